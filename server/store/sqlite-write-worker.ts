/**
 * The SQLite writer thread: owns one better-sqlite3 connection (WAL) and writes the batches the
 * router's thread posts, so that no database write runs on the router's event loop.
 */
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import { unpackTraces } from "./packed-traces";
import { SqliteStatements } from "./sqlite-statements";
import type { WriteBatch } from "./write-batch";

/** A batch's trace rows come packed (packed-traces.ts), as they were queued. */
export type WriterRequest = { id: number; batch: WriteBatch } | { close: true };

export type WriterReply =
  | { id: number; ok: true; refusedRecords: number; refusedTraces: number; firstError: string | null }
  | { id: number; ok: false; error: string };

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
const db = new Database(file, { timeout: busyTimeoutMs });
db.pragma("journal_mode = WAL");
// WAL + NORMAL: a transaction is in the WAL file (the OS's page cache) before the reply says committed,
// so it survives a crash of the process (kill -9), which acks rely on; a power loss or OS crash may lose
// the last transactions (the WAL is synced at checkpoints only), and never corrupts the file.
db.pragma("synchronous = NORMAL");
// Trace indexes outgrow the default 2 MB page cache within seconds of load.
db.pragma("cache_size = -65536");
const statements = new SqliteStatements(db);

parentPort!.on("message", (request: WriterRequest) => {
  if ("close" in request) {
    db.close();
    parentPort!.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: request.id, ok: true, ...statements.write({ ...request.batch, traces: request.batch.traces.flatMap(unpackTraces) }) };
  } catch (err) {
    reply = { id: request.id, ok: false, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
