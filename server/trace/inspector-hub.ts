import type { Namespace, Socket } from "socket.io";
import type { SwitchyardNode } from "../node";
import { authenticateHandshake } from "../transport/handshake-auth";
import { FlowAggregate } from "./flow-aggregate";
import { matchesFilter, type TraceFilter, TraceFilterSchema } from "./trace-filter";
import type { TraceEvent } from "./trace-event";
import type { TraceSink } from "./tracer";

interface Subscriber {
  socket: Socket;
  filter: TraceFilter;
  paused: boolean;
  pending: TraceEvent[];
  dropped: number;
  windowStart: number;
  sentInWindow: number;
}

const BATCH_MS = 100;

/**
 * The /inspector namespace: operators only (token or login cookie). Sends `snapshot` on connect,
 * `trace` batches at most every 100 ms (filtered per subscriber, capped at INSPECTOR_MAX_EVENTS_PER_S,
 * each batch saying how many it dropped), `stats` (one series point) and `flow` every second.
 */
export class InspectorHub implements TraceSink {
  readonly #node: SwitchyardNode;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #flow = new FlowAggregate();
  readonly #batchTimer: NodeJS.Timeout;
  readonly #statsTimer: NodeJS.Timeout;
  /** Events a subscriber did not get because of its rate cap. */
  dropped = 0;

  constructor(nsp: Namespace, node: SwitchyardNode) {
    this.#node = node;
    nsp.use((socket, next) => {
      authenticateHandshake(socket, node.tokens, true).then(
        (identity) => {
          if (!identity) return next(new Error("UNAUTHORIZED"));
          if (identity.role !== "operator") return next(new Error("FORBIDDEN"));
          next();
        },
        () => next(new Error("UNAUTHORIZED")),
      );
    });
    nsp.on("connection", (socket) => void this.#onConnection(socket));
    this.#batchTimer = setInterval(() => this.#sendBatches(), BATCH_MS);
    this.#statsTimer = setInterval(() => void this.#sendStats(nsp), 1000);
    this.#batchTimer.unref();
    this.#statsTimer.unref();
  }

  /** TraceSink: queue events for each subscriber that wants them. */
  accept(events: readonly TraceEvent[]): void {
    this.#flow.accept(events);
    if (this.#subscribers.size === 0) return;
    const cap = this.#node.config.INSPECTOR_MAX_EVENTS_PER_S;
    const now = Date.now();
    for (const sub of this.#subscribers.values()) {
      if (sub.paused) continue;
      if (now - sub.windowStart >= 1000) {
        sub.windowStart = now;
        sub.sentInWindow = 0;
      }
      for (const e of events) {
        if (!matchesFilter(e, sub.filter)) continue;
        if (sub.sentInWindow < cap) {
          sub.pending.push(e);
          sub.sentInWindow++;
        } else {
          sub.dropped++;
          this.dropped++;
        }
      }
    }
  }

  flowEdges() {
    return this.#flow.edges();
  }

  close(): void {
    clearInterval(this.#batchTimer);
    clearInterval(this.#statsTimer);
  }

  async #onConnection(socket: Socket): Promise<void> {
    const sub: Subscriber = { socket, filter: {}, paused: false, pending: [], dropped: 0, windowStart: Date.now(), sentInWindow: 0 };
    this.#subscribers.set(socket.id, sub);
    socket.on("disconnect", () => this.#subscribers.delete(socket.id));
    socket.on("subscribe", (raw: unknown, ack?: unknown) => {
      const parsed = TraceFilterSchema.safeParse(raw ?? {});
      const reply = typeof ack === "function" ? (ack as (r: unknown) => void) : () => undefined;
      if (!parsed.success)
        return reply({ ok: false, error: { code: "INVALID_MESSAGE", message: parsed.error.issues[0]?.message ?? "invalid filter" } });
      sub.filter = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined && v !== ""));
      sub.pending = sub.pending.filter((e) => matchesFilter(e, sub.filter));
      reply({ ok: true, filter: sub.filter });
    });
    socket.on("pause", () => {
      sub.paused = true;
      sub.pending = [];
    });
    socket.on("resume", () => {
      sub.paused = false;
    });
    const n = this.#node;
    socket.emit("snapshot", {
      handlers: n.handlerList(),
      connections: await n.connectionList(),
      stats: await n.statsSnapshot(),
      series: n.stats.series(15),
      flow: this.#flow.edges(),
      node_id: n.config.NODE_ID,
    });
  }

  #sendBatches(): void {
    for (const sub of this.#subscribers.values()) {
      if (sub.pending.length === 0 && sub.dropped === 0) continue;
      const events = sub.pending;
      sub.pending = [];
      sub.socket.emit("trace", { events, dropped: sub.dropped });
      sub.dropped = 0;
    }
  }

  async #sendStats(nsp: Namespace): Promise<void> {
    if (this.#subscribers.size === 0) return;
    const point = this.#node.stats.lastPoint();
    if (point) nsp.emit("stats", point);
    nsp.emit("totals", await this.#node.statsSnapshot());
    nsp.emit("flow", this.#flow.edges().slice(0, 200));
  }
}
