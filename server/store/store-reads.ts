import type { Prisma } from "@prisma/client";
import type { TraceEvent } from "../../contract";
import { type AlertListQuery, type AlertRecord, listAlertRows, type RunTally, runTallySince } from "./alert-store";
import type { Db } from "./prisma-client";
import type { MessageRecord, ReplayRecord, SessionRecord, SessionStatus, ThreadRecord } from "./records";
import { setTimeout as sleep } from "node:timers/promises";
import { rows } from "./row-mapping";

/** Trace rows per retention DELETE (its own transaction), and the pause between two (the writer's turn). */
const RETENTION_CHUNK = 2000;
const RETENTION_PAUSE_MS = 20;

export interface TraceQuery {
  run_id?: string;
  user_id?: string;
  type?: string;
  kind?: string;
  node_id?: string;
  trace_id?: string;
  limit: number;
  before?: string;
}

export interface SessionQuery {
  status?: SessionStatus;
  user_id?: string;
  limit: number;
  before?: string;
}

/** Where a page of a thread's history ends: messages strictly older than this one. */
export interface MessageCursor {
  createdAt: number;
  id: string;
}

/** A page of a newest-first list and the cursor of the next page. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** The operator's reads (and the replay history) over the database, newest first with cursors, and retention. */
export class StoreReads {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async listSessions(q: SessionQuery): Promise<Page<SessionRecord>> {
    const where: Prisma.SessionWhereInput = {};
    if (q.status) where.status = q.status;
    if (q.user_id) where.userId = q.user_id;
    const cursor = parseCursor(q.before);
    if (cursor) {
      // `lte` bounds the index range, so that a deep page seeks instead of walking every newer row.
      where.startedAt = { lte: new Date(cursor.t) };
      where.OR = [{ startedAt: { lt: new Date(cursor.t) } }, { startedAt: new Date(cursor.t), id: { lt: cursor.k } }];
    }
    const found = await this.db.session.findMany({ where, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: q.limit + 1 });
    const items = found.slice(0, q.limit).map(rows.sessionFromRow);
    const last = items.at(-1);
    return { items, next: found.length > q.limit && last ? `${last.startedAt}_${last.id}` : null };
  }

  /** A session's stored row (Persistence answers from its queue first). */
  async findStoredSession(id: string): Promise<SessionRecord | null> {
    const row = await this.db.session.findUnique({ where: { id } });
    return row ? rows.sessionFromRow(row) : null;
  }

  async findThread(id: string): Promise<ThreadRecord | null> {
    const row = await this.db.thread.findUnique({ where: { id } });
    return row ? rows.threadFromRow(row) : null;
  }

  /**
   * The newest `limit` messages of a thread strictly older than `before` (all when absent), returned
   * oldest first; the order is (createdAt, id), so that messages of one millisecond page without a gap.
   */
  async listMessages(threadId: string, limit: number, before?: MessageCursor): Promise<MessageRecord[]> {
    const where: Prisma.MessageWhereInput = { threadId };
    if (before) {
      const at = new Date(before.createdAt);
      where.createdAt = { lte: at };
      where.OR = [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: before.id } }];
    }
    const found = await this.db.message.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit });
    return found.reverse().map(rows.messageFromRow);
  }

  async countSessions(): Promise<Record<SessionStatus, number>> {
    const groups = await this.db.session.groupBy({ by: ["status"], _count: { _all: true } });
    const counts: Record<SessionStatus, number> = { running: 0, passed: 0, failed: 0, cancelled: 0 };
    for (const g of groups) if (g.status in counts) counts[g.status as SessionStatus] = g._count._all;
    return counts;
  }

  async listTraces(q: TraceQuery): Promise<Page<TraceEvent>> {
    const where: Prisma.TraceWhereInput = {};
    if (q.run_id) where.runId = q.run_id;
    if (q.user_id) where.userId = q.user_id;
    if (q.type) where.messageType = q.type;
    if (q.kind) where.kind = q.kind;
    if (q.node_id) where.nodeId = q.node_id;
    if (q.trace_id) where.traceId = q.trace_id;
    const cursor = parseCursor(q.before);
    if (cursor) {
      where.ts = { lte: BigInt(cursor.t) };
      where.OR = [{ ts: { lt: BigInt(cursor.t) } }, { ts: BigInt(cursor.t), seq: { lt: BigInt(cursor.k) } }];
    }
    const found = await this.db.trace.findMany({ where, orderBy: [{ ts: "desc" }, { seq: "desc" }], take: q.limit + 1 });
    const page = found.slice(0, q.limit);
    const last = page.at(-1);
    return { items: page.map(rows.traceFromRow), next: found.length > q.limit && last ? `${last.ts}_${last.seq}` : null };
  }

  async saveReplay(r: ReplayRecord): Promise<void> {
    await this.db.replay.create({
      data: {
        id: r.id,
        sessionId: r.sessionId,
        faults: r.faults,
        passed: r.passed,
        reasons: JSON.stringify(r.reasons),
        diff: JSON.stringify(r.diff),
        events: JSON.stringify(r.events),
        createdAt: new Date(r.createdAt),
      },
    });
  }

  async listReplays(sessionId: string, limit: number): Promise<ReplayRecord[]> {
    const found = await this.db.replay.findMany({ where: { sessionId }, orderBy: { createdAt: "desc" }, take: limit });
    return found.map((r) => ({
      id: r.id,
      sessionId: r.sessionId,
      faults: r.faults as ReplayRecord["faults"],
      passed: r.passed,
      reasons: JSON.parse(r.reasons) as ReplayRecord["reasons"],
      diff: JSON.parse(r.diff) as unknown,
      events: JSON.parse(r.events) as unknown,
      createdAt: r.createdAt.getTime(),
    }));
  }

  /** GET /api/alerts (alert-store.ts). */
  listAlerts(q: AlertListQuery): Promise<Page<AlertRecord>> {
    return listAlertRows(this.db, q);
  }

  /** The runs the run-based alert rules measure (alert-store.ts). */
  runTally(since: number, agent: string | null, withDurations: boolean): Promise<RunTally> {
    return runTallySince(this.db, since, agent, withDurations);
  }

  /** The `ts` of the first trace row past the newest `keep` (null when there are no more): a walk of `keep` index entries. */
  async traceRowsBoundary(keep: number): Promise<number | null> {
    const found = await this.db.trace.findMany({ orderBy: [{ ts: "desc" }, { seq: "desc" }], skip: keep, take: 1, select: { ts: true } });
    return found[0] ? Number(found[0].ts) : null;
  }

  /**
   * Deletes the trace rows of a `ts` range, oldest first, RETENTION_CHUNK rows per statement with a pause
   * between: each statement is a transaction of its own, so the writer (SQLite has one) waits for one
   * chunk at most, not for the whole pass. One statement for the 300,000 rows a minute of 5,000 trace
   * events/s leaves past TRACE_RETENTION_ROWS held SQLite's write lock for seconds, and every ack waiting
   * for a commit with it (measured with `npm run bench:console`).
   */
  async #deleteTraces(ts: Prisma.BigIntFilter): Promise<number> {
    let deleted = 0;
    for (;;) {
      const chunk = await this.db.trace.findMany({ where: { ts }, orderBy: { ts: "asc" }, take: RETENTION_CHUNK, select: { id: true } });
      if (chunk.length === 0) return deleted;
      deleted += (await this.db.trace.deleteMany({ where: { id: { in: chunk.map((r) => r.id) } } })).count;
      if (chunk.length < RETENTION_CHUNK) return deleted;
      await sleep(RETENTION_PAUSE_MS);
    }
  }

  /** Retention: traces older than `traceDays` or beyond the newest `traceRows`; sessions older than `sessionDays`. */
  async enforceRetention(traceDays: number, traceRows: number, sessionDays: number): Promise<{ traces: number; sessions: number }> {
    const now = Date.now();
    let traces = 0;
    if (traceDays > 0) traces += await this.#deleteTraces({ lt: BigInt(now - traceDays * 86_400_000) });
    if (traceRows > 0) {
      const boundary = await this.traceRowsBoundary(traceRows);
      if (boundary !== null) traces += await this.#deleteTraces({ lte: BigInt(boundary) });
    }
    let sessions = 0;
    if (sessionDays > 0) {
      const cutoff = new Date(now - sessionDays * 86_400_000);
      sessions = (await this.db.session.deleteMany({ where: { startedAt: { lt: cutoff }, status: { not: "running" } } })).count;
      await this.db.replay.deleteMany({ where: { createdAt: { lt: cutoff } } });
    }
    return { traces, sessions };
  }
}

/** The reads that may run elsewhere than on the router's thread (SQLite: read-worker-pool.ts). */
export const READ_METHODS = [
  "listSessions",
  "countSessions",
  "listTraces",
  "listReplays",
  "findStoredSession",
  "findThread",
  "listMessages",
  "traceRowsBoundary",
  "listAlerts",
  "runTally",
] as const satisfies readonly (keyof StoreReads)[];
export type ReadMethod = (typeof READ_METHODS)[number];

/** Where Persistence sends its reads: a StoreReads on its own client, or the read worker threads. */
export type Reads = Pick<StoreReads, ReadMethod> & { close?(): Promise<void> };

function parseCursor(before: string | undefined): { t: number; k: string } | null {
  if (!before) return null;
  const i = before.indexOf("_");
  const t = Number(before.slice(0, i));
  if (i < 1 || !Number.isFinite(t)) return null;
  return { t, k: before.slice(i + 1) };
}
