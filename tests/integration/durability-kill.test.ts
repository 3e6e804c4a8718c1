import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { craftJwt, nowS } from "../support/fuzz-hardening";
import { dropDatabase, freshPostgresUrl } from "../support/postgres";
import { connectedSocket, spawnChildNode } from "../support/spawn-child-node";
import type { Ack } from "../../contract/ack";
import { ackJournalFile } from "../../server/store/ack-journal";
import { COMMIT_WAIT_MS } from "../../server/store/thread-store";
import { metricValue, eventually, startTestNode, testNodeEnv } from "../support/test-node";

/**
 * Durability of what was acknowledged (issue 16): users burst create_thread and user_message (on their
 * thread, and without one, which creates a thread) at a node in a child process; the node is killed
 * (SIGKILL) mid-burst, a new node starts on the same database, and every thread and user message whose
 * ack had reached its client is in the database. An ack waits for no transaction: its records are in
 * the node's journal (ack-journal.ts) first, and a node killed before their commit writes them when it
 * starts again.
 */

/** Rates well above the burst, so that the burst is never refused; caps raised for the users' sockets. */
const BURST_ENV = {
  RATE_LIMIT_PER_S: "100000",
  RATE_LIMIT_BURST: "100000",
  MAX_CONNECTIONS_PER_ADDRESS: "10000",
  LOG_LEVEL: "silent",
};

/** What the clients were acknowledged before the kill. */
interface Acked {
  threads: Set<string>;
  /** run id -> the user message's content */
  messages: Map<string, string>;
  /** Refusals or lost acks before the kill (there should be none). */
  errors: string[];
}

/**
 * One user's burst until `stop()`: create_thread, a user_message on that thread, a user_message without
 * a thread, over and over, `inFlight` requests at a time. Records what was acked (an ack after the kill
 * never comes: the socket is gone).
 */
async function burst(socket: Socket, user: string, acked: Acked, stopped: () => boolean, inFlight: number): Promise<void> {
  const send = async (envelope: Record<string, unknown>) => {
    const ack = (await socket.timeout(5_000).emitWithAck("message", envelope)) as Record<string, unknown>;
    if (ack.ok !== true) throw new Error(`refused: ${JSON.stringify(ack)}`);
    return ack;
  };
  const lane = async (k: number) => {
    for (let n = 0; !stopped(); n++) {
      const created = await send({ type: "create_thread", payload: { title: `${user} ${k}.${n}` } });
      acked.threads.add(created.thread_id as string);
      const onThread = `${user} ${k}.${n} what is ${n} + ${k}?`;
      const a = await send({ type: "user_message", thread_id: created.thread_id, payload: { content: onThread } });
      acked.messages.set(a.run_id as string, onThread);
      const alone = `${user} ${k}.${n} what is ${n} * 3?`;
      const b = await send({ type: "user_message", payload: { content: alone } });
      acked.threads.add(b.thread_id as string);
      acked.messages.set(b.run_id as string, alone);
    }
  };
  const failed = (err: unknown) => {
    if (!stopped()) acked.errors.push(String(err));
  };
  await Promise.all(Array.from({ length: inFlight }, (_, k) => lane(k).catch(failed)));
}

/**
 * Bursts at a child node, kills it once `killAfterAcks` acks arrived, and returns what was acked. The
 * acks are recorded as they arrive, so whatever reached a client before SIGKILL is in `acked`.
 */
async function burstAndKill(env: Record<string, string>, users: number, killAfterAcks: number): Promise<Acked> {
  const { child, listening } = spawnChildNode(env);
  const acked: Acked = { threads: new Set(), messages: new Map(), errors: [] };
  const sockets: Socket[] = [];
  try {
    const url = await listening;
    for (let i = 0; i < users; i++)
      sockets.push(await connectedSocket(url, craftJwt({ alg: "HS256" }, { sub: `durable-${i}`, exp: nowS() + 600 })));
    let killed = false;
    const bursts = sockets.map((s, i) => burst(s, `durable-${i}`, acked, () => killed, 2));
    const started = Date.now();
    while (acked.threads.size + acked.messages.size < killAfterAcks && Date.now() - started < 60_000)
      await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGKILL");
    killed = true;
    await new Promise((r) => child.once("exit", r));
    // Every ack that arrived is recorded: acks in flight never come now that the process is gone.
    for (const s of sockets) s.close();
    await Promise.all(bursts);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const s of sockets) s.close();
  }
  return acked;
}

/** Starts a node on the same database and reads the acked rows back through its Prisma client. */
async function missingAfterRestart(env: Record<string, string>, dataDir: string, acked: Acked) {
  const t = await startTestNode(env, { dataDir });
  try {
    const db = t.node.persistence.db;
    const threadIds = [...acked.threads];
    const runIds = [...acked.messages.keys()];
    const threads = new Set<string>();
    const messages = new Map<string, string>();
    for (let i = 0; i < threadIds.length; i += 500)
      for (const row of await db.thread.findMany({ where: { id: { in: threadIds.slice(i, i + 500) } }, select: { id: true } }))
        threads.add(row.id);
    for (let i = 0; i < runIds.length; i += 500)
      for (const row of await db.message.findMany({
        where: { role: "user", runId: { in: runIds.slice(i, i + 500) } },
        select: { runId: true, content: true },
      }))
        messages.set(row.runId!, row.content);
    return {
      threads: threadIds.filter((id) => !threads.has(id)),
      messages: runIds.filter((id) => messages.get(id) !== acked.messages.get(id)),
    };
  } finally {
    await t.stop({ keepData: true });
  }
}

describe("durability of acknowledged data across kill -9", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const undo of cleanup) await undo();
  });

  it("SQLite: 20 users burst create_thread + user_message; after SIGKILL every acked thread and message is stored", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "switchyard-durable-"));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { ...testNodeEnv(dataDir), ...BURST_ENV };
    const acked = await burstAndKill(env, 20, 1200);
    expect(acked.errors).toEqual([]);
    expect(acked.threads.size + acked.messages.size).toBeGreaterThanOrEqual(1200);
    expect(await missingAfterRestart(BURST_ENV, dataDir, acked)).toEqual({ threads: [], messages: [] });
  }, 120_000);

  it("PostgreSQL (reduced): 8 users, the same burst, SIGKILL, nothing acked is missing", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "switchyard-durable-pg-"));
    const db = freshPostgresUrl("durable");
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    cleanup.push(() => dropDatabase(db.name));
    const env = { ...testNodeEnv(dataDir), ...BURST_ENV, DATABASE_URL: db.url };
    const acked = await burstAndKill(env, 8, 400);
    expect(acked.errors).toEqual([]);
    expect(acked.threads.size + acked.messages.size).toBeGreaterThanOrEqual(400);
    expect(await missingAfterRestart({ ...BURST_ENV, DATABASE_URL: db.url }, dataDir, acked)).toEqual({ threads: [], messages: [] });
  }, 240_000); // a fresh-clone CI run under load once took over 120 s (kill, restart and the reads included)

  it("with the database locked an ack is answered at once (journaled), and a node killed before the commit writes it at its next start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "switchyard-durable-journal-"));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { ...testNodeEnv(dataDir), ...BURST_ENV };
    const journal = ackJournalFile(env);
    const { child, listening } = spawnChildNode(env);
    let blocker: Database.Database | undefined;
    const acked: string[] = [];
    try {
      const url = await listening;
      const socket = await connectedSocket(url, craftJwt({ alg: "HS256" }, { sub: "durable-locked", exp: nowS() + 600 }));
      const send = async (title: string) =>
        (await socket.timeout(5_000).emitWithAck("message", { type: "create_thread", payload: { title } })) as Ack;
      const before = await send("before");
      expect(before.ok).toBe(true);

      // Another connection holds the SQLite file's write lock: the writer thread cannot commit (busy timeout 5 s).
      blocker = new Database(join(dataDir, "test.db"));
      blocker.exec("BEGIN EXCLUSIVE");
      for (let i = 0; i < 5; i++) {
        const sent = Date.now();
        const ack = await send(`while locked ${i}`);
        if (!ack.ok) throw new Error(`refused: ${JSON.stringify(ack)}`);
        expect(Date.now() - sent, "the ack waits for no transaction").toBeLessThan(COMMIT_WAIT_MS / 2);
        acked.push(ack.thread_id as string);
      }
      expect(readFileSync(journal, "utf8"), "the locked acks' records are journaled").toContain(acked[4]!);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      socket.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      blocker?.exec("ROLLBACK");
      blocker?.close();
    }
    // Nothing of the locked acks reached the database before the kill; the next start writes them.
    const direct = new Database(join(dataDir, "test.db"), { readonly: true });
    const stored = (ids: string[]) =>
      direct.prepare(`SELECT COUNT(*) AS n FROM "Thread" WHERE "id" IN (${ids.map(() => "?").join(",")})`).get(...ids) as { n: number };
    expect(stored(acked).n).toBe(0);
    direct.close();
    const t = await startTestNode(BURST_ENV, { dataDir });
    try {
      await eventually(
        async () => (await t.node.persistence.findThread(acked[4]!)) !== null,
        15_000,
        "the journaled threads written at start",
      );
      for (const id of acked) expect(await t.node.persistence.findThread(id)).not.toBeNull();
      await eventually(async () => readFileSync(journal, "utf8") === "", 15_000, "the journal emptied once they are committed");
      expect(await metricValue(t, "switchyard_acks_before_commit_total")).toBe(0);
    } finally {
      await t.stop({ keepData: true });
    }
  }, 60_000);
});
