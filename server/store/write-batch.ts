import { type TraceEvent } from "../../contract";
import type { PackedTraces } from "./packed-traces";
import type { MessageRecord, SessionRecord, ThreadRecord } from "./records";

/** The records of one write. */
export interface RecordBatch {
  threads: ThreadRecord[];
  messages: MessageRecord[];
  /** The newest state of each session; a session row is replaced whole. */
  sessions: SessionRecord[];
}

/** What one flush of the write-behind queues hands to the database: trace rows as queued, packed. */
export interface WriteBatch extends RecordBatch {
  traces: PackedTraces[];
}

/** A batch with its trace rows as events again (the SQLite writer thread's statements take these). */
export interface EventBatch extends RecordBatch {
  traces: TraceEvent[];
}

/** Rows the reachable database refused (bad rows); everything else in the batch was written. */
export interface WriteOutcome {
  refusedRecords: number;
  refusedTraces: number;
  /** The first refusal's message, for the log. */
  firstError: string | null;
}

/**
 * Writes one batch. Resolves with the rows the database refused; rejects when the database is
 * unavailable, in which case nothing of the batch was written and the caller keeps it for later.
 */
export interface BatchWriter {
  write(batch: WriteBatch): Promise<WriteOutcome>;
  close(): Promise<void>;
}

export const NOTHING_REFUSED: WriteOutcome = { refusedRecords: 0, refusedTraces: 0, firstError: null };
