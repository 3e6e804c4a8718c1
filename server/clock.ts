import { setTimeout as wait } from "node:timers/promises";

/** Time as runs and sessions see it: the wall clock live, a virtual clock in a replay sandbox. */
export interface Clock {
  /** Milliseconds since the epoch (may be fractional). */
  now(): number;
  /** Waits `ms`, resolving early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => wait(ms, undefined, { signal }).catch(() => undefined),
};
