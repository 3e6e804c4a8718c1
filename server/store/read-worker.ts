/**
 * A SQLite reader thread: owns its own Prisma client (better-sqlite3 adapter, same file; WAL lets it
 * read while the writer thread writes) and answers the StoreReads calls the router's thread posts, so
 * that no database read runs on the router's event loop. The queries are StoreReads', unchanged.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { DatabaseTarget } from "./database-url";
import { createPrismaClient } from "./prisma-client";
import { READ_METHODS, type ReadMethod, StoreReads } from "./store-reads";

export type ReaderRequest = { id: number; method: ReadMethod; args: unknown[] } | { close: true };

/** An error crosses as its name, message and code (a Prisma error's `P2021`, say), and is rebuilt. */
export type ReaderReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string } };

const { target } = workerData as { target: DatabaseTarget };
const db = createPrismaClient(target);
/** StoreReads by method name (the names are READ_METHODS; each is called on `reads`). */
const reads = new StoreReads(db) as unknown as Record<ReadMethod, (...args: unknown[]) => Promise<unknown>>;
const known = new Set<string>(READ_METHODS);

async function answer(request: { id: number; method: ReadMethod; args: unknown[] }): Promise<ReaderReply> {
  try {
    if (!known.has(request.method)) throw new Error(`not a read: ${String(request.method)}`);
    return { id: request.id, ok: true, value: await reads[request.method](...request.args) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as { code?: unknown }).code;
    return { id: request.id, ok: false, error: { name: e.name, message: e.message, code: typeof code === "string" ? code : undefined } };
  }
}

parentPort!.on("message", (request: ReaderRequest) => {
  if ("close" in request) {
    void db.$disconnect().finally(() => parentPort!.close());
    return;
  }
  void answer(request).then((reply) => parentPort!.postMessage(reply));
});
