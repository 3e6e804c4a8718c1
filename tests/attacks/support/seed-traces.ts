import Database from "better-sqlite3";
import { join } from "node:path";

const KINDS = [
  "received",
  "routed",
  "handler_started",
  "handler_finished",
  "emitted",
  "delivered",
  "connection_opened",
  "connection_closed",
];
const TYPES = ["user_message", "ping", "create_thread", "typing_started", "agent_started", "tool_completed", "agent_completed"];

/**
 * Writes `rows` trace rows into the SQLite file of a stopped node (`dataDir`/test.db, its schema applied),
 * spread over the last hour among 1,000 users, with the kinds and message types of ordinary traffic.
 */
export function seedTraces(dataDir: string, rows: number): void {
  const db = new Database(join(dataDir, "test.db"));
  try {
    const insert = db.prepare(
      `INSERT INTO "Trace" ("id", "seq", "traceId", "ts", "nodeId", "kind", "userId", "connectionId", "messageType", "handler", "runId", "threadId", "durationMs")
       VALUES (?, ?, ?, ?, 'test-node', ?, ?, ?, ?, 'SeededHandler', ?, ?, ?)`,
    );
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        const user = `seed-user-${i % 1000}`;
        const run = `run_seed_${Math.floor(i / 20)}`;
        insert.run(
          `seed-${i}`,
          i,
          `tr_seed_${Math.floor(i / 5)}`,
          now - 3_600_000 + Math.floor((i / rows) * 3_600_000),
          KINDS[i % KINDS.length],
          user,
          `conn-${user}`,
          TYPES[i % TYPES.length],
          run,
          `thr_seed_${i % 5000}`,
          (i % 100) / 10,
        );
      }
    })();
  } finally {
    db.close();
  }
}
