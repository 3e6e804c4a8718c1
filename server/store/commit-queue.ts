/** The promise of a record that was not queued (the queue was full): it never resolves. */
export const NOT_QUEUED = new Promise<void>(() => undefined);

/** Rows taken from a CommitQueue for one write, with the callbacks that tell their callers it is over. */
export interface TakenRows<T> {
  rows: T[];
  settles: (() => void)[];
}

/**
 * A bounded FIFO of records waiting for the database, each with the promise its caller may await
 * (ThreadStore.untilCommitted): it resolves once the write that took the record is over, that is once
 * the record is committed, or refused by the reachable database (then dropped and counted). A write
 * that failed puts its rows back in front, promises still pending. A record beyond the bound is not
 * queued, and neither is one pushed out of the bound when a failed write's rows come back: their
 * promises never resolve.
 */
export class CommitQueue<T> {
  readonly #max: number;
  #rows: T[] = [];
  #settles: (() => void)[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  get length(): number {
    return this.#rows.length;
  }

  push(row: T): Promise<void> {
    if (this.#rows.length >= this.#max) return NOT_QUEUED;
    this.#rows.push(row);
    return new Promise<void>((resolve) => this.#settles.push(resolve));
  }

  /** The oldest `n` rows at most, for one write. */
  take(n: number): TakenRows<T> {
    return { rows: this.#rows.splice(0, n), settles: this.#settles.splice(0, n) };
  }

  /** The write that took these rows failed: they go back in front of anything queued since (bounded). */
  putBack(taken: TakenRows<T>): void {
    this.#rows = taken.rows.concat(this.#rows).slice(0, this.#max);
    this.#settles = taken.settles.concat(this.#settles).slice(0, this.#max);
  }
}

/** The write that took these rows is over: their callers stop waiting. */
export function settle(taken: TakenRows<unknown>): void {
  for (const done of taken.settles) done();
}
