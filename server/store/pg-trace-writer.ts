import pg from "pg";
import type { TraceEvent } from "../../contract";
import { pushTraceValues, TRACE_COLUMNS } from "./trace-insert";

/** The SQL type of each of TRACE_COLUMNS, in order. */
const COLUMN_TYPES = [
  "text",
  "int8",
  "text",
  "int8",
  "text",
  "text",
  "text",
  "text",
  "text",
  "text",
  "text",
  "text",
  "float8",
  "text",
  "text",
];

/**
 * One statement for any number of rows: fifteen array parameters (one per column) that `unnest`
 * turns back into rows. A repeat of a row already written (a batch retried after a later part of its
 * write failed) is skipped by its id.
 */
const INSERT_SQL = `INSERT INTO "Trace" (${TRACE_COLUMNS.map((c) => `"${c}"`).join(",")}) SELECT * FROM unnest(${COLUMN_TYPES.map(
  (t, i) => `$${i + 1}::${t}[]`,
).join(",")}) ON CONFLICT ("id") DO NOTHING`;

/** Rows per statement: bounds one statement's parameter text (about 2-3 MB) and its time. */
const ROWS_PER_STATEMENT = 5000;

/**
 * Trace rows into PostgreSQL through `pg` on a connection of its own, one prepared `INSERT ... SELECT
 * FROM unnest(...)` per 5,000 rows. Through Prisma, a multi-row INSERT binds fifteen parameters per row
 * and its engine handles each one: 15,500 rows/s at most on the bench machine, against this path's
 * figure in docs/performance.md.
 */
export class PgTraceWriter {
  readonly #pool: pg.Pool;

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 30_000 });
    // An idle connection that the server drops: the next write opens another (and fails if it cannot).
    this.#pool.on("error", () => undefined);
  }

  /** Writes the rows, numbered from `firstSeq`; throws what the database or the network said. */
  async write(events: readonly TraceEvent[], firstSeq: number): Promise<void> {
    for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
      const part = events.slice(start, start + ROWS_PER_STATEMENT);
      const columns: unknown[][] = TRACE_COLUMNS.map(() => new Array<unknown>(part.length));
      const row: unknown[] = [];
      part.forEach((e, i) => {
        row.length = 0;
        pushTraceValues(e, firstSeq + start + i, row);
        for (let c = 0; c < columns.length; c++) columns[c]![i] = row[c];
      });
      await this.#pool.query({ name: "switchyard_trace_unnest", text: INSERT_SQL, values: columns });
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
