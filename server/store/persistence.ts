import { type TraceEvent } from "../../contract";
import type { Logger } from "../logger";
import type { TraceSink } from "../trace/tracer";
import type { AlertListQuery, AlertRecord, RunTally } from "./alert-store";
import type { AckJournal, JournalEntry } from "./ack-journal";
import { CommitQueue, NOT_QUEUED, settle } from "./commit-queue";
import { isRoutineHeartbeat } from "./heartbeat-traces";
import { type Db, reachable } from "./prisma-client";
import type { MessageRecord, ReplayRecord, SessionRecord, SessionStatus, ThreadRecord } from "./records";
import { type MessageCursor, type Page, type Reads, type SessionQuery, StoreReads, type TraceQuery } from "./store-reads";
import type { ThreadPersistence } from "./thread-store";
import { rowsIn, TraceQueue } from "./trace-queue";
import type { BatchWriter } from "./write-batch";
import { WriteScheduler } from "./write-scheduler";

/**
 * Records, sessions and trace rows one write hands to the writer at most. A full write that leaves rows
 * behind asks for the next one at once, so the transactions stay short (about 40 ms of the writer's
 * time at 2,000 trace rows, 19 µs each) and a record committed before its ack waits behind one of them at most.
 */
const MAX_RECORDS_PER_FLUSH = 5000;
const MAX_TRACES_PER_FLUSH = 2000;

/**
 * Trace rows waiting past which a journaled record's ack waits for its commit after all (about a second
 * of the writer's work): back-pressure, so that a load the writer cannot keep up with slows down its
 * clients a little rather than fill the trace queue and drop rows.
 */
const ACK_WAITS_PAST_QUEUED_TRACES = 20_000;

export interface PersistenceOptions {
  flushMs?: number;
  /** Trace rows waiting for the database at most; beyond it they are dropped and counted. */
  maxQueuedTraces?: number;
  maxQueuedRecords?: number;
  /** Where the reads run (SQLite: the reader threads of read-worker-pool.ts); by default on `db`. */
  reads?: Reads;
  /** The journal of acknowledged records (ack-journal.ts), and what a previous process left in it. */
  journal?: { journal: AckJournal; leftovers: JournalEntry[] };
}

/**
 * Persistence through a BatchWriter (SQLite: a writer thread; PostgreSQL: Prisma), one transaction per
 * write. Threads and messages are group-committed (write-scheduler.ts), so a caller can await its
 * record's commit (ThreadStore.untilCommitted) for about one transaction; with a journal (a node's), a
 * queued thread or message is appended to it at once and its save returns nothing to wait for: it is
 * durable already, and the journal is emptied whenever every record in it is committed. Sessions and trace rows are
 * write-behind, added to a write every `flushMs`, so they may trail the records by one flush. While the
 * database is down, records wait (bounded), trace rows beyond the bound are dropped and counted, the
 * timer retries, and writing resumes by itself when the database is back. Reads are StoreReads'
 * queries, run by `reads` (SQLite: reader threads, see read-worker-pool.ts; PostgreSQL: this Prisma client, already asynchronous).
 */
export class Persistence extends StoreReads implements ThreadPersistence, TraceSink {
  readonly #writer: BatchWriter;
  readonly #logger: Logger;
  readonly #maxRecords: number;
  readonly #reads: Reads;
  readonly #threads: CommitQueue<ThreadRecord>;
  readonly #messages: CommitQueue<MessageRecord>;
  readonly #journal: AckJournal | undefined;
  /** Journaled records not yet committed (or refused): the journal is emptied when none are left. */
  #unsettled = 0;
  /** Resolves once every record a killed process left in the journal is committed (or refused). */
  readonly leftoversCommitted: Promise<void>;
  #sessions = new Map<string, SessionRecord>();
  readonly #traces: TraceQueue;
  readonly #scheduler = new WriteScheduler(
    (full) => this.#writeQueued(full),
    () => this.healthy && (this.#threads.length > 0 || this.#messages.length > 0),
  );
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
    this.#traces = new TraceQueue(options.maxQueuedTraces ?? 500_000);
    this.#maxRecords = options.maxQueuedRecords ?? 200_000;
    this.#threads = new CommitQueue(this.#maxRecords);
    this.#messages = new CommitQueue(this.#maxRecords);
    this.#reads = options.reads ?? new StoreReads(db);
    this.#timer = setInterval(() => void this.flush(), options.flushMs ?? 200);
    this.#timer.unref();
    this.#journal = options.journal?.journal;
    // What a killed process acknowledged and may not have committed: queued again (already journaled).
    const leftovers: Promise<void>[] = [];
    for (const entry of options.journal?.leftovers ?? []) {
      const committed = "thread" in entry ? this.#threads.push(entry.thread) : this.#messages.push(entry.message);
      if (committed !== NOT_QUEUED) leftovers.push(this.#track(committed));
    }
    this.leftoversCommitted = Promise.all(leftovers).then(() => undefined);
    this.#scheduler.commitSoon();
  }

  /**
   * Queues a thread. Without a journal: resolves once it is committed (see CommitQueue for what else ends
   * the wait). With one: journaled, nothing to wait for (unless the queue is full: then never; or the
   * writer is behind: then its commit, as without a journal).
   */
  saveThread(thread: ThreadRecord): Promise<void> | void {
    const committed = this.#threads.push(thread);
    this.#scheduler.commitSoon();
    return this.#journaled({ thread }, committed);
  }

  /** Queues a message, as saveThread. */
  saveMessage(message: MessageRecord): Promise<void> | void {
    const committed = this.#messages.push(message);
    this.#scheduler.commitSoon();
    return this.#journaled({ message }, committed);
  }

  #journaled(entry: JournalEntry, committed: Promise<void>): Promise<void> | void {
    if (!this.#journal || committed === NOT_QUEUED) return committed;
    this.#journal.append(entry);
    void this.#track(committed);
    // Durable now; but while the writer is behind (not down), the ack still waits for the commit (about
    // one transaction): the clients' pace then follows the writer's, instead of trace rows piling up to drops.
    if (this.healthy && this.#traces.length > ACK_WAITS_PAST_QUEUED_TRACES) return committed;
  }

  #track(committed: Promise<void>): Promise<void> {
    this.#unsettled++;
    return committed.then(() => {
      if (--this.#unsettled === 0) this.#journal?.settled();
    });
  }

  /** Queues the latest state of a session; several updates within one flush become one write. */
  saveSession(session: SessionRecord): void {
    if (this.#sessions.size < this.#maxRecords || this.#sessions.has(session.id)) this.#sessions.set(session.id, session);
  }

  /** TraceSink: called by the tracer's flush. Routine heartbeat steps are counted, not queued. */
  accept(events: readonly TraceEvent[]): void {
    let kept = events;
    if (events.some(isRoutineHeartbeat)) {
      kept = events.filter((e) => !isRoutineHeartbeat(e));
      this.heartbeatTracesCounted += events.length - kept.length;
    }
    this.tracesDropped += this.#traces.push(kept);
  }

  get queuedTraces(): number {
    return this.#traces.length;
  }

  get queuedSessions(): number {
    return this.#sessions.size;
  }

  /** Writes everything queued now, sessions and traces too (after the write in progress, if any). */
  flush(): Promise<void> {
    return this.#scheduler.full();
  }

  #hasQueued(full = true): boolean {
    if (this.#threads.length > 0 || this.#messages.length > 0) return true;
    return full && (this.#sessions.size > 0 || this.#traces.length > 0);
  }

  /** One write: the queued threads and messages, and when `full` sessions and traces too. False when the database is unavailable. */
  async #writeQueued(full: boolean): Promise<boolean> {
    if (!this.#hasQueued(full)) return true;
    const threads = this.#threads.take(MAX_RECORDS_PER_FLUSH);
    const messages = this.#messages.take(MAX_RECORDS_PER_FLUSH);
    const sessions = full ? [...this.#sessions.values()].slice(0, MAX_RECORDS_PER_FLUSH) : [];
    for (const s of sessions) this.#sessions.delete(s.id);
    const traces = full ? this.#traces.take(MAX_TRACES_PER_FLUSH) : [];
    const traceRows = rowsIn(traces);
    try {
      const outcome = await this.#writer.write({ threads: threads.rows, messages: messages.rows, sessions, traces });
      settle(threads);
      settle(messages);
      this.tracesWritten += traceRows - outcome.refusedTraces;
      this.#markHealthy();
      // A full write cut short by its caps: the rest goes in the next transaction, not at the next tick.
      if (traceRows >= MAX_TRACES_PER_FLUSH || sessions.length === MAX_RECORDS_PER_FLUSH) void this.#scheduler.full();
      if (outcome.firstError !== null) {
        // The database is up and refused these rows: retrying them would fail forever.
        this.recordsDropped += outcome.refusedRecords;
        this.tracesDropped += outcome.refusedTraces;
        this.#logger.error(
          { err: outcome.firstError.slice(0, 300), records: outcome.refusedRecords, traces: outcome.refusedTraces },
          "database refused rows; dropped them",
        );
      }
      return true;
    } catch (err) {
      this.#markUnhealthy(err);
      // Put the batch back in front of anything queued since (bounded; newest session state wins).
      this.#threads.putBack(threads);
      this.#messages.putBack(messages);
      const newer = this.#sessions;
      this.#sessions = new Map(sessions.map((s) => [s.id, s]));
      for (const [id, s] of newer) this.#sessions.set(id, s);
      this.tracesDropped += this.#traces.putBack(traces);
      return false;
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
  // StoreReads' queries, run where `reads` runs them: off the router's thread on SQLite.

  override findThread(id: string): Promise<ThreadRecord | null> {
    return this.#reads.findThread(id);
  }

  override listMessages(threadId: string, limit: number, before?: MessageCursor): Promise<MessageRecord[]> {
    return this.#reads.listMessages(threadId, limit, before);
  }

  override listTraces(q: TraceQuery): Promise<Page<TraceEvent>> {
    return this.#reads.listTraces(q);
  }

  override listSessions(q: SessionQuery): Promise<Page<SessionRecord>> {
    return this.#reads.listSessions(q);
  }

  override countSessions(): Promise<Record<SessionStatus, number>> {
    return this.#reads.countSessions();
  }

  override listReplays(sessionId: string, limit: number): Promise<ReplayRecord[]> {
    return this.#reads.listReplays(sessionId, limit);
  }

  override findStoredSession(id: string): Promise<SessionRecord | null> {
    return this.#reads.findStoredSession(id);
  }

  /** Retention's walk over up to TRACE_RETENTION_ROWS index entries (its deletes stay on `db`). */
  override traceRowsBoundary(keep: number): Promise<number | null> {
    return this.#reads.traceRowsBoundary(keep);
  }

  override listAlerts(q: AlertListQuery): Promise<Page<AlertRecord>> {
    return this.#reads.listAlerts(q);
  }

  override runTally(since: number, agent: string | null, withDurations: boolean): Promise<RunTally> {
    return this.#reads.runTally(since, agent, withDurations);
  }

  /** A session: the queued (newest) state when there is one, else the stored row. */
  async findSession(id: string): Promise<SessionRecord | null> {
    return this.#sessions.get(id) ?? this.#reads.findStoredSession(id);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    // A write takes a bounded batch: write until the queues are empty or the database is down.
    for (let i = 0; i < 1000 && this.#hasQueued(); i++) {
      await this.flush();
      // A full write cut short asks for the next by itself: wait for the loop, not just the one write.
      await this.#scheduler.idle();
      if (!this.healthy) break;
    }
    await this.#scheduler.idle();
    this.#journal?.close();
    await this.#writer.close();
    await this.#reads.close?.();
    await this.db.$disconnect();
  }
}
