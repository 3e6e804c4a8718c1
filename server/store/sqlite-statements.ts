import { type TraceEvent } from "../../contract";
import type { Database, Statement } from "better-sqlite3";
import { wellFormed } from "../text/unicode";
import type { SessionRecord } from "./records";
import { TRACE_COLUMNS, pushTraceValues } from "./trace-insert";
import type { EventBatch, WriteOutcome } from "./write-batch";

/** A DateTime column as Prisma's SQLite adapter writes it (ISO 8601, "+00:00"), so Prisma reads and compares it. */
export function sqliteDate(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

const SESSION_COLUMNS = [
  "id",
  "userId",
  "threadId",
  "nodeId",
  "status",
  "reasons",
  "details",
  "agentName",
  "agentVersion",
  "agentKind",
  "ttftMs",
  "chunks",
  "faults",
  "inbound",
  "events",
  "startedAt",
  "endedAt",
  "updatedAt",
] as const;

/** Trace rows per multi-row statement; a batch is written in chunks of this size, the rest row by row. */
export const TRACE_ROWS_PER_STATEMENT = 50;

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(",");
const placeholders = (n: number) => `(${new Array<string>(n).fill("?").join(",")})`;

/** Errors that mean "this row is bad", as opposed to "the database cannot write now". */
function isRowError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_CONSTRAINT") || code === "SQLITE_MISMATCH" || code === "SQLITE_TOOBIG");
}

/** Runs one row's statement; a row the database refuses is counted, any other error is thrown. */
type Attempt = (run: () => unknown, kind: "records" | "traces") => void;

interface SequencedTrace {
  e: TraceEvent;
  seq: number;
}

const byUser = (a: SequencedTrace, b: SequencedTrace): number => {
  const x = a.e.user_id ?? "";
  const y = b.e.user_id ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

function sessionParams(s: SessionRecord): unknown[] {
  return [
    s.id,
    s.userId,
    s.threadId,
    s.nodeId,
    s.status,
    JSON.stringify(s.reasons),
    JSON.stringify(s.details),
    s.agentName,
    s.agentVersion,
    s.agentKind,
    s.ttftMs,
    s.chunks,
    JSON.stringify(s.faults),
    // Client text inside the documents: JSON.stringify escapes lone surrogates, wellFormed removes U+0000.
    wellFormed(JSON.stringify(s.inbound)),
    wellFormed(JSON.stringify(s.events)),
    sqliteDate(s.startedAt),
    s.endedAt === null ? null : sqliteDate(s.endedAt),
    sqliteDate(s.updatedAt),
  ];
}

/**
 * Prepared statements for the write-behind tables, and the function that writes one batch in one
 * transaction. Rows the database refuses are skipped and counted, one by one; any other error rolls
 * the whole batch back and is thrown (the database is unavailable: the caller keeps the batch).
 */
export class SqliteStatements {
  readonly #thread: Statement;
  readonly #message: Statement;
  readonly #session: Statement;
  readonly #trace: Statement;
  readonly #traceChunk: Statement;
  readonly #write: (batch: EventBatch) => WriteOutcome;
  // Orders rows within one millisecond; starts from the clock so it keeps growing across restarts.
  #traceSeq = Date.now() * 1000;

  constructor(db: Database) {
    this.#thread = db.prepare(`INSERT INTO "Thread" ("id","userId","title","createdAt") VALUES (?,?,?,?) ON CONFLICT("id") DO NOTHING`);
    this.#message = db.prepare(
      `INSERT INTO "Message" ("id","threadId","userId","runId","role","content","createdAt") VALUES (?,?,?,?,?,?,?) ON CONFLICT("id") DO NOTHING`,
    );
    const updates = SESSION_COLUMNS.slice(1)
      .map((c) => `"${c}"=excluded."${c}"`)
      .join(",");
    this.#session = db.prepare(
      `INSERT INTO "Session" (${quoted(SESSION_COLUMNS)}) VALUES ${placeholders(SESSION_COLUMNS.length)} ON CONFLICT("id") DO UPDATE SET ${updates}`,
    );
    const traceInsert = `INSERT INTO "Trace" (${quoted(TRACE_COLUMNS)}) VALUES `;
    this.#trace = db.prepare(traceInsert + placeholders(TRACE_COLUMNS.length));
    this.#traceChunk = db.prepare(
      traceInsert + new Array<string>(TRACE_ROWS_PER_STATEMENT).fill(placeholders(TRACE_COLUMNS.length)).join(","),
    );
    this.#write = db.transaction((batch: EventBatch) => this.#writeRows(batch));
  }

  /** Writes the batch in one transaction (see the class comment). */
  write(batch: EventBatch): WriteOutcome {
    return this.#write(batch);
  }

  #writeRows(batch: EventBatch): WriteOutcome {
    const outcome: WriteOutcome = { refusedRecords: 0, refusedTraces: 0, firstError: null };
    const attempt: Attempt = (run, kind) => {
      try {
        run();
      } catch (err) {
        if (!isRowError(err)) throw err;
        if (kind === "records") outcome.refusedRecords++;
        else outcome.refusedTraces++;
        outcome.firstError ??= (err as Error).message;
      }
    };
    for (const t of batch.threads) {
      attempt(() => this.#thread.run(t.id, wellFormed(t.userId), wellFormed(t.title), sqliteDate(t.createdAt)), "records");
    }
    for (const m of batch.messages) {
      attempt(
        () =>
          this.#message.run(
            m.id,
            m.threadId,
            wellFormed(m.userId),
            m.runId ?? null,
            m.role,
            wellFormed(m.content),
            sqliteDate(m.createdAt),
          ),
        "records",
      );
    }
    for (const s of batch.sessions) attempt(() => this.#session.run(sessionParams(s)), "records");
    this.#writeTraces(batch.traces, attempt);
    return outcome;
  }

  #writeTraces(traces: TraceEvent[], attempt: Attempt): void {
    // Sequence numbers follow arrival order; the rows are then written grouped by user (a stable sort),
    // which keeps the inserts into the (userId, ts) index together: about a fifth less work per row.
    const rows = traces.map((e): SequencedTrace => ({ e, seq: ++this.#traceSeq }));
    rows.sort(byUser);
    let i = 0;
    const params: unknown[] = [];
    for (; i + TRACE_ROWS_PER_STATEMENT <= rows.length; i += TRACE_ROWS_PER_STATEMENT) {
      params.length = 0;
      for (let j = 0; j < TRACE_ROWS_PER_STATEMENT; j++) pushTraceValues(rows[i + j]!.e, rows[i + j]!.seq, params);
      try {
        this.#traceChunk.run(params);
      } catch (err) {
        // One bad row refuses the chunk: write its rows one by one so only the bad ones are lost.
        if (!isRowError(err)) throw err;
        this.#writeTracesOneByOne(rows.slice(i, i + TRACE_ROWS_PER_STATEMENT), attempt);
      }
    }
    this.#writeTracesOneByOne(rows.slice(i), attempt);
  }

  #writeTracesOneByOne(rows: SequencedTrace[], attempt: Attempt): void {
    const params: unknown[] = [];
    for (const row of rows) {
      params.length = 0;
      pushTraceValues(row.e, row.seq, params);
      attempt(() => this.#trace.run(params), "traces");
    }
  }
}
