import type { Prisma } from "@prisma/client";
import { wellFormed } from "../text/unicode";
import { isDataRefusal } from "./data-refusal";
import type { Dialect } from "./database-url";
import { type Db, reachable } from "./prisma-client";
import type { PgTraceWriter } from "./pg-trace-writer";
import { rows } from "./row-mapping";
import { TRACE_ROWS_PER_INSERT, traceInsert } from "./trace-insert";
import { unpackTraces } from "./packed-traces";
import type { BatchWriter, EventBatch, WriteBatch, WriteOutcome } from "./write-batch";
import { NOTHING_REFUSED } from "./write-batch";

/**
 * A journaled record written again after a restart (ack-journal.ts) is skipped by its id. PostgreSQL's
 * `createMany` option, which the client's types (generated from the SQLite schema) do not list.
 */
const SKIP_DUPLICATES = { skipDuplicates: true } as object;

/** Rows per statement (well under SQLite's and PostgreSQL's bound-parameter limits). */
const ROWS_PER_STATEMENT = 500;

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += ROWS_PER_STATEMENT) out.push(list.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

/**
 * BatchWriter through Prisma (PostgreSQL): one transaction per batch. When the reachable database
 * refuses its data (data-refusal.ts), its rows are written one by one and only those refused are
 * dropped (retrying them would fail forever); any other failure (a timeout, a lock, a lost connection)
 * throws, and the batch is retried whole. With a PgTraceWriter
 * (PostgreSQL), trace rows go first through it, in a statement of their own: a batch put back after
 * its records failed is written again without repeating them (skipped by id).
 */
export class PrismaBatchWriter implements BatchWriter {
  readonly #db: Db;
  readonly #dialect: Dialect;
  readonly #traceWriter: PgTraceWriter | undefined;
  // Orders rows within one millisecond; starts from the clock so it keeps growing across restarts.
  #traceSeq = Date.now() * 1000;

  constructor(db: Db, dialect: Dialect, traceWriter?: PgTraceWriter) {
    this.#db = db;
    this.#dialect = dialect;
    this.#traceWriter = traceWriter;
  }

  async write(packed: WriteBatch): Promise<WriteOutcome> {
    // Trace rows go out through this thread: unpacked here (about 0.3 µs a row, against the driver's
    // several microseconds).
    const batch: EventBatch = { ...packed, traces: packed.traces.flatMap(unpackTraces) };
    if (!this.#traceWriter || batch.traces.length === 0) return this.#writeInPrisma(batch);
    const firstSeq = this.#traceSeq + 1;
    this.#traceSeq += batch.traces.length;
    let traces: WriteOutcome = NOTHING_REFUSED;
    try {
      await this.#traceWriter.write(batch.traces, firstSeq);
    } catch (err) {
      await this.#throwUnlessRefused(err);
      traces = { refusedRecords: 0, refusedTraces: batch.traces.length, firstError: (err as Error).message };
    }
    const records = await this.#writeInPrisma({ ...batch, traces: [] });
    return {
      refusedRecords: records.refusedRecords,
      refusedTraces: traces.refusedTraces,
      firstError: traces.firstError ?? records.firstError,
    };
  }

  async #writeInPrisma(batch: EventBatch): Promise<WriteOutcome> {
    try {
      await this.#db.$transaction(this.#statements(batch));
      return NOTHING_REFUSED;
    } catch (err) {
      await this.#throwUnlessRefused(err);
      return this.#writeRowByRow(batch);
    }
  }

  /**
   * The database refused the batch because of some of its rows: each row (a chunk of trace rows) is
   * written on its own, so that only the rows it refuses are dropped, not the other users' rows that
   * shared their transaction. A failure for a passing reason still throws: the batch is retried whole.
   */
  async #writeRowByRow(batch: EventBatch): Promise<WriteOutcome> {
    const outcome: WriteOutcome = { refusedRecords: 0, refusedTraces: 0, firstError: null };
    const one = async (part: EventBatch, kind: "refusedRecords" | "refusedTraces", count: number) => {
      try {
        await this.#db.$transaction(this.#statements(part));
      } catch (err) {
        if (!isDataRefusal(err)) throw err;
        outcome[kind] += count;
        outcome.firstError ??= (err as Error).message;
      }
    };
    const none: EventBatch = { threads: [], messages: [], sessions: [], traces: [] };
    for (const thread of batch.threads) await one({ ...none, threads: [thread] }, "refusedRecords", 1);
    for (const message of batch.messages) await one({ ...none, messages: [message] }, "refusedRecords", 1);
    for (const session of batch.sessions) await one({ ...none, sessions: [session] }, "refusedRecords", 1);
    if (batch.traces.length) await one({ ...none, traces: batch.traces }, "refusedTraces", batch.traces.length);
    return outcome;
  }

  /** A failure that is not the reachable database refusing the data is thrown again: the batch is retried. */
  async #throwUnlessRefused(err: unknown): Promise<void> {
    if (!isDataRefusal(err) || !(await reachable(this.#db))) throw err;
  }

  /** The statements of one transaction writing the batch. */
  #statements(batch: EventBatch): Prisma.PrismaPromise<unknown>[] {
    const { threads, messages, sessions, traces } = batch;
    const ops: Prisma.PrismaPromise<unknown>[] = [];
    for (const part of chunks(threads))
      ops.push(
        this.#db.thread.createMany({
          data: part.map((t) => ({ ...t, title: wellFormed(t.title), createdAt: new Date(t.createdAt) })),
          ...SKIP_DUPLICATES,
        }),
      );
    for (const part of chunks(messages)) {
      ops.push(
        this.#db.message.createMany({
          data: part.map((m) => ({ ...m, content: wellFormed(m.content), runId: m.runId ?? null, createdAt: new Date(m.createdAt) })),
          ...SKIP_DUPLICATES,
        }),
      );
    }
    for (const part of chunks(sessions)) {
      // A session row is rewritten whole: delete + insert, two statements per chunk of sessions.
      ops.push(this.#db.session.deleteMany({ where: { id: { in: part.map((s) => s.id) } } }));
      ops.push(this.#db.session.createMany({ data: part.map(rows.sessionToRow) }));
    }
    for (let i = 0; i < traces.length; i += TRACE_ROWS_PER_INSERT) {
      const chunk = traces.slice(i, i + TRACE_ROWS_PER_INSERT);
      const { sql, params } = traceInsert(this.#dialect, chunk, this.#traceSeq + 1);
      this.#traceSeq += chunk.length;
      ops.push(this.#db.$executeRawUnsafe(sql, ...params));
    }
    return ops;
  }

  async close(): Promise<void> {
    // The Prisma client belongs to Persistence, which disconnects it.
    await this.#traceWriter?.close();
  }
}
