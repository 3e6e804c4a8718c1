import type { Clock } from "../clock";

interface Timer {
  at: number;
  order: number;
  resolve: () => void;
}

/** Lets every pending promise, microtask and setImmediate callback run. */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * A discrete-event clock for the replay sandbox: `sleep` registers a wake-up at a virtual time and
 * `advanceTo` fires wake-ups in time order. A recorded `delay_ms: 20000` takes no real time in a
 * replay but still shows as a 20 s gap, so replays are fast and deterministic.
 */
export class VirtualClock implements Clock {
  #now: number;
  #order = 0;
  readonly #timers: Timer[] = [];

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: this.#now + Math.max(0, ms), order: this.#order++, resolve };
      this.#timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.#timers.indexOf(timer);
          if (i >= 0) this.#timers.splice(i, 1);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Fires every wake-up due up to `t` in order (letting each one's work settle), then sets now = t. */
  async advanceTo(t: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > t) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await settle();
    }
    this.#now = Math.max(this.#now, t);
  }

  /** Fires wake-ups until none is left, or until `limitMs` of virtual time has passed. */
  async runUntilIdle(limitMs: number): Promise<void> {
    const deadline = this.#now + limitMs;
    await settle();
    for (let next = this.#earliest(); next && next.at <= deadline; next = this.#earliest()) await this.advanceTo(next.at);
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) if (!best || t.at < best.at || (t.at === best.at && t.order < best.order)) best = t;
    return best;
  }
}
