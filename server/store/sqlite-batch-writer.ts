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

/** How long after the writer thread died the next write starts a new one. */
const RESPAWN_AFTER_MS = 1000;

/**
 * BatchWriter for SQLite: batches go to a worker thread (sqlite-write-worker.ts) that writes them
 * through prepared better-sqlite3 statements, one transaction per batch. The router's thread only
 * posts the batch (a structured clone; its trace rows are packed into columns, packed-traces.ts, so
 * that is mostly a copy of typed arrays and a few long strings) and waits for the reply. A writer thread that dies (it could
 * not open the file, say) fails the writes in flight; the next write a second later starts a new one.
 */
export class SqliteBatchWriter implements BatchWriter {
  readonly #file: string;
  readonly #busyTimeoutMs: number;
  readonly #pending = new Map<number, { resolve: (o: WriteOutcome) => void; reject: (e: Error) => void }>();
  #worker: Worker | null = null;
  #diedAt = 0;
  #lastFailure: Error | null = null;
  #closed = false;
  #nextId = 1;

  /** `busyTimeoutMs`: how long a write waits for another connection's lock before the batch fails. */
  constructor(file: string, options: { busyTimeoutMs?: number } = {}) {
    this.#file = file;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#worker = this.#spawn();
  }

  #spawn(): Worker {
    const worker = new Worker(workerBootstrap(), { eval: true, workerData: { file: this.#file, busyTimeoutMs: this.#busyTimeoutMs } });
    worker.unref();
    worker.on("message", (reply: WriterReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.ok)
        waiting.resolve({ refusedRecords: reply.refusedRecords, refusedTraces: reply.refusedTraces, firstError: reply.firstError });
      else waiting.reject(new Error(reply.error));
    });
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      if (this.#worker === worker) this.#worker = null;
      this.#diedAt = Date.now();
      this.#lastFailure = err;
      for (const waiting of this.#pending.values()) waiting.reject(err);
      this.#pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`SQLite writer thread exited (code ${code})`)));
    return worker;
  }

  write(batch: WriteBatch): Promise<WriteOutcome> {
    if (this.#closed) return Promise.reject(new Error("SQLite writer closed"));
    if (!this.#worker) {
      if (Date.now() - this.#diedAt < RESPAWN_AFTER_MS) return Promise.reject(this.#lastFailure ?? new Error("SQLite writer thread down"));
      this.#worker = this.#spawn();
    }
    const worker = this.#worker;
    const id = this.#nextId++;
    // Referenced while a write is pending, so that a process awaiting it stays alive until it lands.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, batch } satisfies WriterRequest);
    });
  }

  /** Closes the connection after the batches already posted (the caller has awaited its writes). */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (!worker) return;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
  }
}
