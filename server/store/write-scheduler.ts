/** Resolved when the full write it stands for is over. */
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * When Persistence writes: one write at a time, and two kinds of write. Records (threads, messages) are
 * group-committed: once some are queued, a write starts after the current I/O turn (so that the records
 * of one burst share it) unless one is in flight, and the loop then writes what was queued meanwhile in
 * the next, so a record waits about one transaction. A full write (sessions and trace rows too) is asked
 * for by the flush timer or flush() and goes next. After a failed write (database down) only asked-for
 * full writes go on, so the timer paces the retries.
 */
export class WriteScheduler {
  /** One write; `full`: sessions and traces too. Resolves false when the database was unavailable. */
  readonly #write: (full: boolean) => Promise<boolean>;
  /** Records are queued and the database is not known to be down. */
  readonly #recordsDue: () => boolean;
  #writing: Promise<void> | null = null;
  #fullWrite: Deferred | null = null;
  #commitScheduled = false;

  constructor(write: (full: boolean) => Promise<boolean>, recordsDue: () => boolean) {
    this.#write = write;
    this.#recordsDue = recordsDue;
  }

  /** Asks for a full write after the one in flight, if any; resolves when it is over (written or failed). */
  full(): Promise<void> {
    this.#fullWrite ??= deferred();
    const done = this.#fullWrite.promise;
    this.#start();
    return done;
  }

  /** Resolves when no write is in flight (the loop may have started one that no caller asked for). */
  async idle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Records were queued: a write of them starts after this I/O turn, unless the loop in flight takes them. */
  commitSoon(): void {
    if (this.#commitScheduled || this.#writing || !this.#recordsDue()) return;
    this.#commitScheduled = true;
    setImmediate(() => {
      this.#commitScheduled = false;
      this.#start();
    });
  }

  #start(): void {
    if (this.#writing || (this.#fullWrite === null && !this.#recordsDue())) return;
    this.#writing = this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      let ok = true;
      do {
        const full = this.#fullWrite;
        this.#fullWrite = null;
        try {
          ok = await this.#write(full !== null);
        } finally {
          full?.resolve();
        }
      } while (this.#fullWrite !== null || (ok && this.#recordsDue()));
    } finally {
      this.#writing = null;
    }
  }
}
