import { performance } from "node:perf_hooks";

/** How long one slice of run steps may hold the event loop before I/O gets its turn. */
export const TURN_SLICE_MS = 4;

/**
 * Where a node's runs take their turns: a run's first step and every wake-up after a sleep queue here
 * and are served first in, first out, in slices of about TURN_SLICE_MS, with the event loop free to
 * read sockets between slices. Without it, a hundred runs started in one burst (one user's budget)
 * would all emit their first events in one check phase and hold every other user's message that long;
 * with it, the burst's steps are spread over several turns and another user's ping waits one slice.
 * Nothing is dropped or reordered within a run: a run's next step queues only after its previous one.
 */
export class RunTurns {
  #queue: (() => void)[] = [];
  #head = 0;
  #scheduled = false;

  /** Runs `step` at the run's next turn. */
  enqueue(step: () => void): void {
    this.#queue.push(step);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => void this.#serve());
    }
  }

  /** Resolves at the caller's next turn (a wake-up after a sleep). */
  next(): Promise<void> {
    return new Promise<void>((resolve) => this.enqueue(resolve));
  }

  async #serve(): Promise<void> {
    const started = performance.now();
    while (this.#head < this.#queue.length) {
      const step = this.#queue[this.#head++]!;
      step();
      // Lets the step's continuation (the awaiting run's code up to its next await) run inside this slice.
      await Promise.resolve();
      if (performance.now() - started >= TURN_SLICE_MS) break;
    }
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      this.#scheduled = false;
    } else {
      if (this.#head > 1024) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      setImmediate(() => void this.#serve());
    }
  }
}
