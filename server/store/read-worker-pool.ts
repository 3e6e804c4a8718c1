import { Worker } from "node:worker_threads";
import type { DatabaseTarget } from "./database-url";
import type { ReaderReply, ReaderRequest } from "./read-worker";
import type { ReadMethod, Reads, StoreReads } from "./store-reads";

const WORKER_URL = new URL("./read-worker.ts", import.meta.url);

/** As sqlite-batch-writer.ts: a small script registers tsx's loader in the worker, then imports the entry. */
function workerBootstrap(): string {
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
}

/** Reader threads at most (one per core of the reference machine); a second starts when the first is busy. */
export const READ_WORKERS = 2;

/** How long after a reader thread died the next read starts a new one. */
const RESPAWN_AFTER_MS = 1000;

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Reader {
  worker: Worker;
  pending: Map<number, Waiting>;
}

/**
 * The StoreReads of a SQLite database, answered by up to READ_WORKERS reader threads (read-worker.ts),
 * so that a slow query (an operator's filter over 300,000 traces) never blocks routing. Each call is
 * posted with an id to the least busy reader; its value comes back by structured clone (Dates and
 * BigInts survive), its error as an Error with the same name, message and code. A reader that dies
 * fails its reads in flight; the next read a second later starts a new one.
 */
export class ReadWorkerPool implements Reads {
  readonly #target: DatabaseTarget;
  readonly #maxReaders: number;
  #readers: Reader[] = [];
  #diedAt = 0;
  #lastFailure: Error | null = null;
  #closed = false;
  #nextId = 1;

  /** `readers`: reader threads at most (READ_WORKERS unless a bench says otherwise). */
  constructor(target: DatabaseTarget, options: { readers?: number } = {}) {
    this.#target = target;
    this.#maxReaders = Math.max(1, options.readers ?? READ_WORKERS);
  }

  readonly listSessions: StoreReads["listSessions"] = (...args) => this.#call("listSessions", args);
  readonly countSessions: StoreReads["countSessions"] = (...args) => this.#call("countSessions", args);
  readonly listTraces: StoreReads["listTraces"] = (...args) => this.#call("listTraces", args);
  readonly listReplays: StoreReads["listReplays"] = (...args) => this.#call("listReplays", args);
  readonly findStoredSession: StoreReads["findStoredSession"] = (...args) => this.#call("findStoredSession", args);
  readonly findThread: StoreReads["findThread"] = (...args) => this.#call("findThread", args);
  readonly listMessages: StoreReads["listMessages"] = (...args) => this.#call("listMessages", args);
  readonly traceRowsBoundary: StoreReads["traceRowsBoundary"] = (...args) => this.#call("traceRowsBoundary", args);
  readonly listAlerts: StoreReads["listAlerts"] = (...args) => this.#call("listAlerts", args);
  readonly runTally: StoreReads["runTally"] = (...args) => this.#call("runTally", args);

  /** Reader threads running now. */
  get size(): number {
    return this.#readers.length;
  }

  #call<M extends ReadMethod>(method: M, args: Parameters<StoreReads[M]>): ReturnType<StoreReads[M]> {
    return this.#post(method, args) as ReturnType<StoreReads[M]>;
  }

  #post(method: ReadMethod, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error("SQLite readers closed"));
    const reader = this.#pick();
    if (!reader) return Promise.reject(this.#lastFailure ?? new Error("SQLite reader thread down"));
    const id = this.#nextId++;
    // Referenced while a read is pending, so that a process awaiting it stays alive until it lands.
    reader.worker.ref();
    return new Promise((resolve, reject) => {
      reader.pending.set(id, { resolve, reject });
      reader.worker.postMessage({ id, method, args } satisfies ReaderRequest);
    });
  }

  /** The least busy reader; a new one while every reader is busy and there is room. */
  #pick(): Reader | null {
    let best: Reader | null = null;
    for (const r of this.#readers) if (!best || r.pending.size < best.pending.size) best = r;
    if (best && (best.pending.size === 0 || this.#readers.length >= this.#maxReaders)) return best;
    if (!best && Date.now() - this.#diedAt < RESPAWN_AFTER_MS) return null;
    const spawned = this.#spawn();
    this.#readers.push(spawned);
    return spawned;
  }

  #spawn(): Reader {
    const worker = new Worker(workerBootstrap(), { eval: true, workerData: { target: this.#target } });
    worker.unref();
    const reader: Reader = { worker, pending: new Map() };
    worker.on("message", (reply: ReaderReply) => {
      const waiting = reader.pending.get(reply.id);
      if (!waiting) return;
      reader.pending.delete(reply.id);
      if (reader.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(rebuildError(reply.error));
    });
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      this.#readers = this.#readers.filter((r) => r !== reader);
      this.#diedAt = Date.now();
      this.#lastFailure = err;
      for (const waiting of reader.pending.values()) waiting.reject(err);
      reader.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`SQLite reader thread exited (code ${code})`)));
    return reader;
  }

  /** Stops the readers; reads still in flight fail. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#readers.map(({ worker }) => {
        worker.ref();
        const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
        worker.postMessage({ close: true } satisfies ReaderRequest);
        return exited;
      }),
    );
  }
}

function rebuildError(e: { name: string; message: string; code?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}
