import { type TraceEvent } from "../../contract";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger";
import { parseDatabaseUrl } from "../../server/store/database-url";
import { applyMigrations } from "../../server/store/migrate";
import { Persistence } from "../../server/store/persistence";
import { packTraces } from "../../server/store/packed-traces";
import { createPrismaClient } from "../../server/store/prisma-client";
import type { SessionRecord } from "../../server/store/records";
import { SqliteBatchWriter } from "../../server/store/sqlite-batch-writer";
import { TRACE_ROWS_PER_STATEMENT } from "../../server/store/sqlite-statements";

// The SQLite write path: a real writer thread with prepared statements, read back through Prisma.
const dir = mkdtempSync(join(tmpdir(), "switchyard-writer-"));
const target = parseDatabaseUrl(`file:${join(dir, "writer.db")}`);
let p: Persistence;

beforeAll(async () => {
  await applyMigrations(target);
  const writer = new SqliteBatchWriter(target.file!, { busyTimeoutMs: 200 });
  p = new Persistence(createPrismaClient(target), writer, createLogger("silent", "writer-test"), { flushMs: 3_600_000 });
});
afterAll(async () => {
  await p.close();
  rmSync(dir, { recursive: true, force: true });
});

const trace = (id: string, extra: Partial<TraceEvent> = {}): TraceEvent => ({
  id,
  trace_id: `tr-${id}`,
  ts: 1_800_000_000_000,
  node_id: "node-w",
  kind: "delivered",
  user_id: "writer-user",
  ...extra,
});

const session = (id: string, startedAt: number, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  userId: "writer-user",
  threadId: "thr_w",
  nodeId: "node-w",
  status: "running",
  reasons: [],
  details: [],
  agentName: "assistant",
  agentVersion: "1.0.0",
  agentKind: "builtin",
  ttftMs: null,
  chunks: 0,
  faults: {},
  inbound: [{ type: "user_message", message_id: `m-${id}`, payload: { content: "hi" }, at_ms: 0 }],
  events: [],
  startedAt,
  endedAt: null,
  updatedAt: startedAt,
  ...extra,
});

describe("SQLite writer thread", () => {
  it("writes threads, messages, sessions and traces that Prisma reads back as written", async () => {
    void p.saveThread({ id: "thr_w", userId: "writer-user", title: "a thread", createdAt: 1_800_000_000_123 });
    void p.saveMessage({
      id: "msg_w1",
      threadId: "thr_w",
      userId: "writer-user",
      runId: "run_w",
      role: "user",
      content: "hello",
      createdAt: 1_800_000_000_200,
    });
    void p.saveMessage({
      id: "msg_w2",
      threadId: "thr_w",
      userId: "writer-user",
      role: "assistant",
      content: "hi back",
      createdAt: 1_800_000_000_300,
    });
    p.saveSession(session("run_w", 1_800_000_000_200));
    p.accept([trace("w.1", { duration_ms: 1.5, error: { code: "INVALID_PAYLOAD", message: "bad" } }), trace("w.2")]);
    await p.flush();
    expect(p.healthy).toBe(true);

    expect(await p.findThread("thr_w")).toEqual({ id: "thr_w", userId: "writer-user", title: "a thread", createdAt: 1_800_000_000_123 });
    expect((await p.listMessages("thr_w", 10)).map((m) => [m.id, m.runId, m.createdAt])).toEqual([
      ["msg_w1", "run_w", 1_800_000_000_200],
      ["msg_w2", undefined, 1_800_000_000_300],
    ]);
    const stored = await p.findSession("run_w");
    expect(stored).toEqual(session("run_w", 1_800_000_000_200));
    const traces = await p.listTraces({ user_id: "writer-user", limit: 10 });
    expect(traces.items.map((t) => t.id).sort()).toEqual(["w.1", "w.2"]);
    expect(traces.items.find((t) => t.id === "w.1")).toMatchObject({
      duration_ms: 1.5,
      error: { code: "INVALID_PAYLOAD", message: "bad" },
    });
    expect(p.tracesWritten).toBe(2);
  });

  it("replaces a session row with its newest state, and Prisma's date filters and cursors work on it", async () => {
    p.saveSession(session("run_w", 1_800_000_000_200, { status: "passed", endedAt: 1_800_000_000_900, updatedAt: 1_800_000_000_900 }));
    p.saveSession(session("run_w0", 1_800_000_000_100, { status: "failed", reasons: ["gap"], details: ["a gap of 3 s"] }));
    await p.flush();
    expect(await p.findSession("run_w")).toMatchObject({ status: "passed", endedAt: 1_800_000_000_900 });
    const first = await p.listSessions({ user_id: "writer-user", limit: 1 });
    expect(first.items.map((s) => s.id)).toEqual(["run_w"]);
    const second = await p.listSessions({ user_id: "writer-user", limit: 1, before: first.next! });
    expect(second.items.map((s) => s.id)).toEqual(["run_w0"]);
    expect(second.items[0]).toMatchObject({ reasons: ["gap"], details: ["a gap of 3 s"] });
    expect(await p.countSessions()).toMatchObject({ passed: 1, failed: 1 });
  });

  it("drops only the rows the database refuses; the rest of the batch lands", async () => {
    const droppedBefore = p.tracesDropped;
    const recordsBefore = p.recordsDropped;
    // A duplicate trace id inside a multi-row chunk, one in the single-row tail, and a thread already
    // stored (skipped by its id, not refused: a journaled record is written again after a restart).
    const chunk = Array.from({ length: TRACE_ROWS_PER_STATEMENT }, (_, i) => trace(i === 7 ? "w.1" : `salvage.${i}`));
    const tail = [trace("salvage.tail.0"), trace("w.2"), trace("salvage.tail.1")];
    void p.saveThread({ id: "thr_w", userId: "writer-user", title: "a duplicate", createdAt: 1_800_000_000_500 });
    void p.saveThread({ id: "thr_w2", userId: "writer-user", title: "a new thread", createdAt: 1_800_000_000_500 });
    p.accept([...chunk, ...tail]);
    await p.flush();
    expect(p.healthy).toBe(true);
    expect(p.tracesDropped - droppedBefore).toBe(2);
    expect(p.recordsDropped - recordsBefore).toBe(0);
    expect(await p.db.trace.count({ where: { id: { startsWith: "salvage." } } })).toBe(TRACE_ROWS_PER_STATEMENT - 1 + 2);
    expect(await p.findThread("thr_w2")).toMatchObject({ title: "a new thread" });
    expect(await p.findThread("thr_w")).toMatchObject({ title: "a thread" });
  });

  it("stores text no database accepts as is (lone surrogates, U+0000) in a form it does", async () => {
    void p.saveMessage({
      id: "msg_bad",
      threadId: "thr_w",
      userId: "writer-user",
      role: "user",
      content: "a\uD800b\u0000c",
      createdAt: 1_800_000_001_000,
    });
    p.accept([trace("w.bad", { error: { code: "X", message: "lone \uDC00" } })]);
    await p.flush();
    expect((await p.listMessages("thr_w", 10)).find((m) => m.id === "msg_bad")?.content).toBe("a\uFFFDb\uFFFDc");
    expect((await p.listTraces({ trace_id: "tr-w.bad", limit: 1 })).items[0]?.error?.message).toBe("lone \uFFFD");
  });

  it("counts routine heartbeat steps instead of storing them; a heartbeat that went wrong is stored", async () => {
    const counted = p.heartbeatTracesCounted;
    p.accept([
      trace("hb.1", { kind: "received", message_type: "ping" }),
      trace("hb.2", { kind: "delivered", message_type: "pong" }),
      trace("hb.3", { kind: "rejected", message_type: "ping", error: { code: "INVALID_MESSAGE", message: "bad" } }),
      trace("hb.4", { kind: "undelivered", message_type: "heartbeat_ack" }),
      trace("hb.5", { kind: "received", message_type: "user_message" }),
    ]);
    await p.flush();
    expect(p.heartbeatTracesCounted - counted).toBe(2);
    const stored = await p.db.trace.findMany({ where: { id: { startsWith: "hb." } }, select: { id: true } });
    expect(stored.map((r) => r.id).sort()).toEqual(["hb.3", "hb.4", "hb.5"]);
  });

  it("keeps a batch while another connection holds the database locked, and writes it once the lock is gone", async () => {
    const blocker = new Database(target.file);
    blocker.exec("BEGIN EXCLUSIVE");
    try {
      p.accept([trace("locked.1"), trace("locked.2")]);
      p.saveSession(session("run_locked", 1_800_000_002_000));
      await p.flush();
      expect(p.healthy).toBe(false);
      expect(p.queuedTraces).toBe(2);
      // A queued session is served from the queue meanwhile.
      expect(await p.findSession("run_locked")).toMatchObject({ id: "run_locked" });
    } finally {
      blocker.exec("ROLLBACK");
      blocker.close();
    }
    await p.flush();
    expect(p.healthy).toBe(true);
    expect(p.queuedTraces).toBe(0);
    expect(await p.db.trace.count({ where: { id: { startsWith: "locked." } } })).toBe(2);
    expect(await p.db.session.count({ where: { id: "run_locked" } })).toBe(1);
  });
});

describe("SQLite writer thread that dies", () => {
  it("fails the writes in flight, and the next write a second later starts a new thread", async () => {
    const missing = join(dir, "not-yet", "later.db");
    const writer = new SqliteBatchWriter(missing);
    const batch = { threads: [], messages: [], sessions: [], traces: [packTraces([trace("respawn.1")])] };
    // The directory does not exist: the thread cannot open the file and exits.
    await expect(writer.write(batch)).rejects.toThrow();
    await expect(writer.write(batch)).rejects.toThrow();
    await applyMigrations(parseDatabaseUrl(`file:${missing}`));
    await new Promise((r) => setTimeout(r, 1100));
    await expect(writer.write(batch)).resolves.toEqual({ refusedRecords: 0, refusedTraces: 0, firstError: null });
    await writer.close();
    const check = new Database(missing);
    expect(check.prepare(`SELECT count(*) AS n FROM "Trace" WHERE "id" = 'respawn.1'`).get()).toEqual({ n: 1 });
    check.close();
  });
});
