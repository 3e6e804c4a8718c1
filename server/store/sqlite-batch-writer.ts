import { Worker } from "node:worker_threads";
import type { WriterReply, WriterRequest } from "./sqlite-write-worker";
import type { BatchWriter, WriteBatch, WriteOutcome } from "./write-batch";

const WORKER_URL = new URL("./sqlite-write-worker.ts", import.meta.url);

/**
 * The worker is TypeScript, and Node 20 neither loads a .ts worker entry nor passes tsx's loader on
 * to worker threads: a small script registers tsx's loader in the worker, then imports the entry.
 */
function workerBootstrap(): string {
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
}

/**
 * BatchWriter for SQLite: batches go to a worker thread (sqlite-write-worker.ts) that writes them
 * through prepared better-sqlite3 statements, one transaction per batch. The router's thread only
 * posts the batch (a structured clone) and waits for the reply.
 */
export class SqliteBatchWriter implements BatchWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (o: WriteOutcome) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #failure: Error | null = null;

  /** `busyTimeoutMs`: how long a write waits for another connection's lock before the batch fails. */
  constructor(file: string, options: { busyTimeoutMs?: number } = {}) {
    this.#worker = new Worker(workerBootstrap(), { eval: true, workerData: { file, busyTimeoutMs: options.busyTimeoutMs ?? 5000 } });
    this.#worker.unref();
    this.#worker.on("message", (reply: WriterReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.ok)
        waiting.resolve({ refusedRecords: reply.refusedRecords, refusedTraces: reply.refusedTraces, firstError: reply.firstError });
      else waiting.reject(new Error(reply.error));
    });
    const fail = (err: Error) => {
      this.#failure = err;
      for (const waiting of this.#pending.values()) waiting.reject(err);
      this.#pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`SQLite writer thread exited (code ${code})`)));
  }

  write(batch: WriteBatch): Promise<WriteOutcome> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    // Referenced while a write is pending, so that a process awaiting it stays alive until it lands.
    this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, batch } satisfies WriterRequest);
    });
  }

  /** Closes the connection after the batches already posted (the caller has awaited its writes). */
  async close(): Promise<void> {
    if (this.#failure) return;
    this.#worker.ref();
    const exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
    this.#worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
  }
}
