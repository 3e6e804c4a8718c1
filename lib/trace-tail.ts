import type { TraceEvent } from "@/contract/trace";

/** What readers of the tail see: an immutable view, replaced at most every `notifyMs`. */
export interface TailSnapshot {
  /** Oldest first, at most `capacity` events. */
  events: readonly TraceEvent[];
  /** Events the server dropped for this subscriber (INSPECTOR_MAX_EVENTS_PER_S) since the tail began. */
  dropped: number;
  /** Every event ever received, including those that fell off the tail. */
  received: number;
  version: number;
}

/**
 * A bounded in-memory tail of trace events. Appends are cheap and never render anything by
 * themselves; listeners are told at most once per `notifyMs`, so thousands of events per second
 * cost a handful of React renders.
 */
export class TraceTail {
  readonly capacity: number;
  readonly notifyMs: number;
  #buf: TraceEvent[] = [];
  #dropped = 0;
  #received = 0;
  #version = 0;
  #snapshot: TailSnapshot = { events: [], dropped: 0, received: 0, version: 0 };
  #listeners = new Set<() => void>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(capacity = 2000, notifyMs = 250) {
    this.capacity = capacity;
    this.notifyMs = notifyMs;
  }

  /** Appends one batch as the inspector sent it. */
  push(events: readonly TraceEvent[], dropped = 0): void {
    if (events.length === 0 && dropped === 0) return;
    this.#received += events.length;
    this.#dropped += dropped;
    if (events.length >= this.capacity) {
      this.#buf = events.slice(events.length - this.capacity);
    } else {
      for (const e of events) this.#buf.push(e);
      // Trim in chunks so a steady stream does not shift the array on every batch.
      if (this.#buf.length > this.capacity * 1.25) this.#buf = this.#buf.slice(this.#buf.length - this.capacity);
    }
    this.#schedule();
  }

  clear(): void {
    this.#buf = [];
    this.#dropped = 0;
    this.#received = 0;
    this.#schedule();
  }

  subscribe = (fn: () => void): (() => void) => {
    this.#listeners.add(fn);
    return () => {
      this.#listeners.delete(fn);
    };
  };

  getSnapshot = (): TailSnapshot => this.#snapshot;

  #schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, this.notifyMs);
  }

  #flush(): void {
    const start = Math.max(0, this.#buf.length - this.capacity);
    this.#snapshot = {
      events: this.#buf.slice(start),
      dropped: this.#dropped,
      received: this.#received,
      version: ++this.#version,
    };
    for (const fn of this.#listeners) fn();
  }

  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#listeners.clear();
  }
}
