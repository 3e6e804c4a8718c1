import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectVictimStored, poisonDuringRuns, storedSessions } from "../support/fuzz-hardening";
import { dropDatabase, freshPostgresUrl } from "../support/postgres";
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
