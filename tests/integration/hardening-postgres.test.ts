import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectVictimStored, poisonDuringRuns, storedSessions } from "../support/fuzz-hardening";
import { dropDatabase, freshPostgresUrl } from "../support/postgres";
import { PrismaBatchWriter } from "../../server/store/prisma-batch-writer";
import { eventually, isTerminal, startTestNode, type TestNode } from "../support/test-node";

/**
 * Hostile strings on PostgreSQL (issue 8): PostgreSQL refuses a NUL character (U+0000) in text, which
 * SQLite stores. One user's strings must not cost another user their stored sessions and traces.
 */

describe("hostile strings on PostgreSQL", () => {
  let t: TestNode;
  let dbName = "";
  beforeEach(async () => {
    const db = freshPostgresUrl("hardening");
    dbName = db.name;
    t = await startTestNode({ DATABASE_URL: db.url });
  });
  afterEach(async () => {
    await t?.stop();
    if (dbName) await dropDatabase(dbName);
  });

  it("the control: SQL- and markup-shaped strings are stored as data, and another user's data with them", async () => {
    const { victim, runIds } = await poisonDuringRuns(
      t,
      [
        { type: "nope_'; DROP TABLE sessions; --" },
        { type: "create_thread", payload: { title: "<script>alert(1)</script> \\x00 %00" } },
        { type: "user_message", payload: { content: "Robert'); DELETE FROM threads;-- 😀" } },
      ],
      { poisonerUser: "pg-poisoner", victimUser: "pg-victim" },
    );
    await victim.waitFor(isTerminal(runIds.at(-1)!));
    await eventually(async () => {
      const s = await storedSessions(t, "pg-victim");
      return runIds.every((id) => s.get(id) === "passed");
    }, 5000);
    expect((await storedSessions(t, "pg-poisoner")).size).toBeGreaterThan(0);
    expect((await t.api("/api/health", { token: null })).status).toBe(200);
  });

  // Regression (was a server bug, fixed): PostgreSQL refuses U+0000 in text ("invalid byte sequence for
  // encoding "UTF8": 0x00"), so one client's NUL (a message type, a thread title, run content) made it refuse
  // the write-behind batch holding it, and every other user's rows in that batch were lost. wellFormed() in
  // server/text/unicode.ts now replaces U+0000 in every string written. (SQLite stores U+0000, so the SQLite
  // suites do not see it.)
  it("NUL characters from one user cost no one their stored sessions or traces; /api/health stays 200", async () => {
    const { victim, runIds } = await poisonDuringRuns(
      t,
      [
        { type: "nope\u0000x" },
        { type: "create_thread", payload: { title: "title \u0000" } },
        { type: "user_message", payload: { content: "what is 1 + 1 \u0000" } },
      ],
      { poisonerUser: "pg-poisoner", victimUser: "pg-victim" },
    );
    await victim.waitFor(isTerminal(runIds.at(-1)!));
    await expectVictimStored(t, "pg-victim", runIds);
  });
});

/**
 * A write that fails for a passing reason (here a lock held by another session past the transaction's
 * 10 s time limit: Prisma's P2028) is retried, not counted as refused: acknowledged threads and messages
 * are never dropped because PostgreSQL was slow (a CI run once lost hundreds that way).
 */
describe("a slow PostgreSQL write is retried, not dropped", () => {
  it("a lock held on the thread table for 12 s: the acked thread and message are stored once it is released", async () => {
    const db = freshPostgresUrl("slowwrite");
    const t = await startTestNode({ DATABASE_URL: db.url });
    const locker = new pg.Client({ connectionString: db.url });
    try {
      await locker.connect();
      await locker.query('BEGIN; LOCK TABLE "Thread" IN ACCESS EXCLUSIVE MODE');
      const alice = await t.connect("slow-alice");
      const ack = await alice.send({ type: "user_message", payload: { content: "what is 2 + 2?" } });
      expect(ack.ok).toBe(true);
      await new Promise((r) => setTimeout(r, 12_000));
      await locker.query("COMMIT");
      await eventually(
        async () => (await t.node.persistence.db.message.count({ where: { runId: ack.run_id as string, role: "user" } })) === 1,
        20_000,
      );
      expect(await t.node.persistence.db.thread.count({ where: { id: ack.thread_id as string } })).toBe(1);
      expect(t.node.persistence.recordsDropped).toBe(0);
    } finally {
      await locker.end().catch(() => undefined);
      await t.stop();
      await dropDatabase(db.name);
    }
  }, 60_000);

  it("a batch the database refuses for one row: the row is dropped and counted, the other rows of the batch are stored", async () => {
    const db = freshPostgresUrl("refusedrow");
    const t = await startTestNode({ DATABASE_URL: db.url });
    try {
      const writer = new PrismaBatchWriter(t.node.persistence.db, "postgres");
      const thread = (id: string, createdAt: number) => ({ id, userId: "u-refused", title: id, createdAt });
      const outcome = await writer.write({
        threads: [thread("thr_good_1", Date.now()), thread("thr_bad", Number.NaN), thread("thr_good_2", Date.now())],
        messages: [],
        sessions: [],
        traces: [],
      });
      expect(outcome.refusedRecords).toBe(1);
      expect(outcome.firstError).toBeTruthy();
      const stored = await t.node.persistence.db.thread.findMany({ where: { userId: "u-refused" }, select: { id: true } });
      expect(stored.map((r) => r.id).sort()).toEqual(["thr_good_1", "thr_good_2"]);
    } finally {
      await t.stop();
      await dropDatabase(db.name);
    }
  });
});
