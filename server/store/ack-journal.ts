import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { MessageRecord, ThreadRecord } from "./records";

/** A node's journal: one file per node id in DATA_DIR (nodes may share the directory). */
export function ackJournalFile(config: { DATA_DIR: string; NODE_ID: string }): string {
  return join(config.DATA_DIR, `ack-journal-${config.NODE_ID.replace(/[^A-Za-z0-9._-]/g, "_")}.ndjson`);
}

/** One acknowledged record not yet known to be committed. */
export type JournalEntry = { thread: ThreadRecord } | { message: MessageRecord };

/**
 * The journal of acknowledged records: a thread or a user's message is appended here (one JSON line,
 * one `write` into the file, synchronously) before its ack is answered, and the file is emptied once
 * every record appended to it is committed to the database. A node killed before a commit (kill -9)
 * finds the records here when it starts again and writes them (a record that did reach the database is
 * skipped by its id). A written file is in the OS's page cache when `write` returns: it survives the
 * process, as SQLite's WAL with synchronous=NORMAL does, not a power loss. So an ack no longer waits for
 * a database transaction, which waits behind the trace rows of the write in progress.
 */
export class AckJournal {
  readonly #fd: number;
  #bytes: number;
  #closed = false;

  private constructor(fd: number, bytes: number) {
    this.#fd = fd;
    this.#bytes = bytes;
  }

  /** Opens (creates) the journal; `leftovers` are the records of a previous process not known committed. */
  static open(file: string): { journal: AckJournal; leftovers: JournalEntry[] } {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, "a+");
    const leftovers = parseEntries(readFileSync(file, "utf8"));
    return { journal: new AckJournal(fd, fstatSync(fd).size), leftovers };
  }

  /** Appends one record; when this returns, the record survives the process. */
  append(entry: JournalEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.#bytes += writeSync(this.#fd, line);
  }

  /** Every record appended so far is committed: the file starts again empty. */
  settled(): void {
    if (this.#bytes === 0 || this.#closed) return;
    ftruncateSync(this.#fd, 0);
    this.#bytes = 0;
  }

  /** Closes the file (records still in it are a start's leftovers). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/** The entries of a journal file; a last line cut short by a crash mid-write is skipped. */
function parseEntries(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as JournalEntry;
      if ("thread" in entry || "message" in entry) entries.push(entry);
    } catch {
      // A partial line: its write never returned, so its ack was never answered.
    }
  }
  return entries;
}
