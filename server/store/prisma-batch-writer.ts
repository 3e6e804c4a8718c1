import type { Prisma } from "@prisma/client";
import { wellFormed } from "../text/unicode";
import type { Dialect } from "./database-url";
import { type Db, reachable } from "./prisma-client";
import type { PgTraceWriter } from "./pg-trace-writer";
import { rows } from "./row-mapping";
import { TRACE_ROWS_PER_INSERT, traceInsert } from "./trace-insert";
import type { BatchWriter, WriteBatch, WriteOutcome } from "./write-batch";
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
 * refuses it, the whole batch counts as refused (retrying it would fail forever). With a PgTraceWriter
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

  async write(batch: WriteBatch): Promise<WriteOutcome> {
    if (!this.#traceWriter || batch.traces.length === 0) return this.#writeInPrisma(batch);
    const firstSeq = this.#traceSeq + 1;
    this.#traceSeq += batch.traces.length;
    let traces: WriteOutcome = NOTHING_REFUSED;
    try {
      await this.#traceWriter.write(batch.traces, firstSeq);
    } catch (err) {
      if (!(await reachable(this.#db))) throw err;
      traces = { refusedRecords: 0, refusedTraces: batch.traces.length, firstError: (err as Error).message };
    }
    const records = await this.#writeInPrisma({ ...batch, traces: [] });
    return {
      refusedRecords: records.refusedRecords,
      refusedTraces: traces.refusedTraces,
      firstError: traces.firstError ?? records.firstError,
    };
  }

  async #writeInPrisma(batch: WriteBatch): Promise<WriteOutcome> {
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
    try {
      await this.#db.$transaction(ops);
      return NOTHING_REFUSED;
    } catch (err) {
      if (!(await reachable(this.#db))) throw err;
      return {
        refusedRecords: threads.length + messages.length + sessions.length,
        refusedTraces: traces.length,
        firstError: (err as Error).message,
      };
    }
  }

  async close(): Promise<void> {
    // The Prisma client belongs to Persistence, which disconnects it.
    await this.#traceWriter?.close();
  }
}
