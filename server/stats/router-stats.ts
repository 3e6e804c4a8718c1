import type { SeriesPoint } from "../../contract";
import { truncate } from "../text/unicode";
import { LatencyHistogram } from "./latency-histogram";

export type { SeriesPoint };

export interface HandlerStats {
  count: number;
  errors: number;
  latency: LatencyHistogram;
}

export interface UserStats {
  eventsDelivered: number;
  isolationViolations: number;
  lastActivity: number;
}

const SERIES_SECONDS = 3600;
/** Bound on maps keyed by names a client chooses. */
const MAX_TRACKED_NAMES = 1000;

/** Counters of one node's router: what /api/stats, /api/handlers, /api/users and the series read. */
export class RouterStats {
  messagesRouted = 0;
  /** Messages answered from the idempotency cache (a repeated message_id): no trace of their own. */
  repeated = 0;
  /** RATE_LIMITED refusals answered without trace rows (all but the first of a connection in a second). */
  rateLimitedUntraced = 0;
  eventsDelivered = 0;
  errors = 0;
  isolationViolations = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly clientErrorReports = new Map<string, number>();
  readonly messagesByType = new Map<string, number>();
  readonly eventsByType = new Map<string, number>();
  readonly handlers = new Map<string, HandlerStats>();
  readonly unhandled = new Map<string, { count: number; lastSeen: number }>();
  readonly users = new Map<string, UserStats>();
  readonly #series: SeriesPoint[] = [];
  #second = Math.floor(Date.now() / 1000);
  #current = { messages: 0, events: 0, errors: 0, latency: new LatencyHistogram() };

  /** A message finished routing (successfully or not) after `ms`. */
  messageRouted(type: string, ms: number): void {
    this.#roll();
    this.messagesRouted++;
    this.#current.messages++;
    this.#current.latency.record(ms);
    // Client-chosen names (unknown types) must not grow this map without bound.
    if (this.messagesByType.has(type) || this.messagesByType.size < MAX_TRACKED_NAMES)
      this.messagesByType.set(type, (this.messagesByType.get(type) ?? 0) + 1);
    else this.messagesByType.set("(other)", (this.messagesByType.get("(other)") ?? 0) + 1);
  }

  rejected(code: string): void {
    this.#roll();
    this.errors++;
    this.#current.errors++;
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
  }

  unhandledType(type: string): void {
    const name = truncate(type, 64);
    const entry = this.unhandled.get(name);
    if (entry) {
      // Most recently seen last, so the oldest is evicted first.
      this.unhandled.delete(name);
      entry.count++;
      entry.lastSeen = Date.now();
      this.unhandled.set(name, entry);
      return;
    }
    if (this.unhandled.size >= MAX_TRACKED_NAMES) this.unhandled.delete(this.unhandled.keys().next().value!);
    this.unhandled.set(name, { count: 1, lastSeen: Date.now() });
  }

  handlerRan(handler: string, ms: number, failed: boolean): void {
    let h = this.handlers.get(handler);
    if (!h) this.handlers.set(handler, (h = { count: 0, errors: 0, latency: new LatencyHistogram() }));
    h.count++;
    if (failed) h.errors++;
    h.latency.record(ms);
  }

  delivered(userId: string | null, type: string): void {
    this.#roll();
    this.eventsDelivered++;
    this.#current.events++;
    this.eventsByType.set(type, (this.eventsByType.get(type) ?? 0) + 1);
    if (userId !== null) this.#user(userId).eventsDelivered++;
  }

  isolationViolation(userId: string): void {
    this.isolationViolations++;
    this.#user(userId).isolationViolations++;
  }

  touch(userId: string): void {
    this.#user(userId).lastActivity = Date.now();
  }

  /** Points of the last `minutes` (complete seconds only). */
  series(minutes: number): SeriesPoint[] {
    this.#roll();
    return this.#series.slice(-Math.max(1, Math.floor(minutes * 60)));
  }

  /** The last complete second, or null before one has passed. */
  lastPoint(): SeriesPoint | null {
    this.#roll();
    return this.#series.at(-1) ?? null;
  }

  #user(userId: string): UserStats {
    let u = this.users.get(userId);
    if (!u) this.users.set(userId, (u = { eventsDelivered: 0, isolationViolations: 0, lastActivity: Date.now() }));
    return u;
  }

  /** Closes the seconds that have passed, filling idle seconds with zero points. */
  #roll(): void {
    const now = Math.floor(Date.now() / 1000);
    if (now === this.#second) return;
    const c = this.#current;
    this.#push(this.#second, c.messages, c.events, c.errors, c.latency.quantile(0.5), c.latency.quantile(0.99));
    for (let s = Math.max(this.#second + 1, now - SERIES_SECONDS); s < now; s++) this.#push(s, 0, 0, 0, 0, 0);
    this.#second = now;
    c.messages = c.events = c.errors = 0;
    c.latency.reset();
  }

  #push(second: number, messages: number, events: number, errors: number, p50: number, p99: number): void {
    this.#series.push({ t: new Date(second * 1000).toISOString(), messages, events, errors, p50_ms: p50, p99_ms: p99 });
    if (this.#series.length > SERIES_SECONDS) this.#series.splice(0, this.#series.length - SERIES_SECONDS);
  }
}
