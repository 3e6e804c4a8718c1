import { type TraceEvent } from "../../contract";
import type { Logger } from "../logger";
import type { TraceSink } from "../trace/tracer";
import { isRoutineHeartbeat } from "./heartbeat-traces";
import { type Db, reachable } from "./prisma-client";
import type { MessageRecord, SessionRecord, ThreadRecord } from "./records";
import { StoreReads } from "./store-reads";
import { rows } from "./row-mapping";
import type { ThreadPersistence } from "./thread-store";
import type { BatchWriter } from "./write-batch";

/** Records and trace rows one flush hands to the writer at most; the rest waits for the next flush. */
const MAX_RECORDS_PER_FLUSH = 5000;
const MAX_TRACES_PER_FLUSH = 20_000;

export interface PersistenceOptions {
  flushMs?: number;
  /** Trace rows waiting for the database at most; beyond it they are dropped and counted. */
  maxQueuedTraces?: number;
  maxQueuedRecords?: number;
}

/**
 * Write-behind persistence: callers enqueue and return at once; a timer hands the queues to the
 * BatchWriter (SQLite: a writer thread; PostgreSQL: Prisma), one transaction per flush. While the
 * database is down, records wait (bounded) and trace rows beyond the bound are dropped and counted;
 * writing resumes by itself when the database is back. Reads go through Prisma.
 */
export class Persistence extends StoreReads implements ThreadPersistence, TraceSink {
  readonly #writer: BatchWriter;
  readonly #logger: Logger;
  readonly #maxTraces: number;
  readonly #maxRecords: number;
  #threads: ThreadRecord[] = [];
  #messages: MessageRecord[] = [];
  #sessions = new Map<string, SessionRecord>();
  #traces: TraceEvent[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout;
  /** Trace rows dropped because the queue was full (database slow or down). */
  tracesDropped = 0;
  tracesWritten = 0;
  /** Routine heartbeat steps (see heartbeat-traces.ts): counted here instead of stored row by row. */
  heartbeatTracesCounted = 0;
  /** Thread, message and session rows the reachable database refused (never retried). */
  recordsDropped = 0;
  /** Whether the last write or probe succeeded. */
  healthy = true;
  lastError: string | null = null;

  constructor(db: Db, writer: BatchWriter, logger: Logger, options: PersistenceOptions = {}) {
    super(db);
    this.#writer = writer;
    this.#logger = logger;
    this.#maxTraces = options.maxQueuedTraces ?? 500_000;
    this.#maxRecords = options.maxQueuedRecords ?? 200_000;
    this.#timer = setInterval(() => {
      if (!this.#flushing) void this.#startWrite();
    }, options.flushMs ?? 200);
    this.#timer.unref();
  }

  saveThread(thread: ThreadRecord): void {
    if (this.#threads.length < this.#maxRecords) this.#threads.push(thread);
  }

  saveMessage(message: MessageRecord): void {
    if (this.#messages.length < this.#maxRecords) this.#messages.push(message);
  }

  /** Queues the latest state of a session; several updates within one flush become one write. */
  saveSession(session: SessionRecord): void {
    if (this.#sessions.size < this.#maxRecords || this.#sessions.has(session.id)) this.#sessions.set(session.id, session);
  }

  /** TraceSink: called by the tracer's flush. Routine heartbeat steps are counted, not queued. */
  accept(events: readonly TraceEvent[]): void {
    const queue = this.#traces;
    for (const e of events) {
      if (isRoutineHeartbeat(e)) this.heartbeatTracesCounted++;
      else if (queue.length < this.#maxTraces) queue.push(e);
      else this.tracesDropped++;
    }
  }

  get queuedTraces(): number {
    return this.#traces.length;
  }

  /** Writes what is queued now (after the write in progress, if any); one write at a time. */
  async flush(): Promise<void> {
    if (this.#flushing) await this.#flushing;
    await (this.#flushing ?? this.#startWrite());
  }

  #startWrite(): Promise<void> {
    this.#flushing = this.#writeQueued().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  #hasQueued(): boolean {
    return this.#threads.length > 0 || this.#messages.length > 0 || this.#sessions.size > 0 || this.#traces.length > 0;
  }

  async #writeQueued(): Promise<void> {
    if (!this.#hasQueued()) return;
    const threads = this.#threads.splice(0, MAX_RECORDS_PER_FLUSH);
    const messages = this.#messages.splice(0, MAX_RECORDS_PER_FLUSH);
    const sessions = [...this.#sessions.values()].slice(0, MAX_RECORDS_PER_FLUSH);
    for (const s of sessions) this.#sessions.delete(s.id);
    const traces = this.#traces.splice(0, MAX_TRACES_PER_FLUSH);
    try {
      const outcome = await this.#writer.write({ threads, messages, sessions, traces });
      this.tracesWritten += traces.length - outcome.refusedTraces;
      this.#markHealthy();
      if (outcome.firstError !== null) {
        // The database is up and refused these rows: retrying them would fail forever.
        this.recordsDropped += outcome.refusedRecords;
        this.tracesDropped += outcome.refusedTraces;
        this.#logger.error(
          { err: outcome.firstError.slice(0, 300), records: outcome.refusedRecords, traces: outcome.refusedTraces },
          "database refused rows; dropped them",
        );
      }
    } catch (err) {
      this.#markUnhealthy(err);
      // Put the batch back in front of anything queued since (bounded; newest session state wins).
      this.#threads = threads.concat(this.#threads).slice(0, this.#maxRecords);
      this.#messages = messages.concat(this.#messages).slice(0, this.#maxRecords);
      const newer = this.#sessions;
      this.#sessions = new Map(sessions.map((s) => [s.id, s]));
      for (const [id, s] of newer) this.#sessions.set(id, s);
      const room = this.#maxTraces - this.#traces.length;
      this.tracesDropped += Math.max(0, traces.length - room);
      this.#traces = traces.slice(0, Math.max(0, room)).concat(this.#traces);
    }
  }

  /** Checks the database with a trivial query (used by /api/health). */
  async probe(timeoutMs = 1000): Promise<boolean> {
    if (!(await reachable(this.db, timeoutMs))) {
      this.#markUnhealthy(new Error("database probe failed"));
      return false;
    }
    if (!this.#traces.length && !this.#sessions.size) this.#markHealthy();
    return this.healthy;
  }

  #markHealthy(): void {
    if (!this.healthy) this.#logger.info("database writes resumed");
    this.healthy = true;
    this.lastError = null;
  }

  #markUnhealthy(err: unknown): void {
    if (this.healthy) this.#logger.warn({ err: (err as Error).message }, "database unavailable; queueing writes");
    this.healthy = false;
    this.lastError = (err as Error).message.slice(0, 200);
  }

  // ---- reads ----

  async findThread(id: string): Promise<ThreadRecord | null> {
    const row = await this.db.thread.findUnique({ where: { id } });
    return row ? rows.threadFromRow(row) : null;
  }

  async listMessages(threadId: string, limit: number): Promise<MessageRecord[]> {
    const found = await this.db.message.findMany({ where: { threadId }, orderBy: { createdAt: "desc" }, take: limit });
    return found.reverse().map(rows.messageFromRow);
  }

  /** A session: the queued (newest) state when there is one, else the stored row. */
  async findSession(id: string): Promise<SessionRecord | null> {
    const queued = this.#sessions.get(id);
    if (queued) return queued;
    const row = await this.db.session.findUnique({ where: { id } });
    return row ? rows.sessionFromRow(row) : null;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    // A write takes a bounded batch: write until the queues are empty or the database is down.
    for (let i = 0; i < 1000 && this.#hasQueued(); i++) {
      await this.flush();
      if (!this.healthy) break;
    }
    await this.#writer.close();
    await this.db.$disconnect();
  }
}
