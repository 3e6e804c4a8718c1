import type { Namespace, Socket } from "socket.io";
import {
  type InspectorClientToServer,
  type InspectorServerToClient,
  matchesFilter,
  type TraceEvent,
  type SubscribeAck,
  type TraceFilter,
  TraceFilterSchema,
} from "../../contract";
import type { TokenService } from "../auth/tokens";
import type { Tracer, TraceSink } from "../trace/tracer";
import { EngineQueuedBytes } from "../transport/engine-queued-bytes";
import { authenticateHandshake, handshakeRefusal } from "../transport/handshake-auth";
import { FlowAggregate } from "./flow-aggregate";
import type { NodeQueries } from "./node-queries";

export type InspectorNamespace = Namespace<InspectorClientToServer, InspectorServerToClient>;
type InspectorSocket = Socket<InspectorClientToServer, InspectorServerToClient>;

/** What the inspector needs: token checks, the read model, its rate cap, its byte bound and the tracer. */
export interface InspectorDeps {
  tokens: TokenService;
  queries: NodeQueries;
  nodeId: string;
  maxEventsPerS: number;
  /** OUTBOUND_BUFFER_BYTES: a subscriber holding more unsent bytes is cut as SLOW_CONSUMER. */
  maxQueuedBytes: number;
  tracer: Tracer;
}

interface Subscriber {
  socket: InspectorSocket;
  operatorId: string;
  queued: EngineQueuedBytes;
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
  readonly #deps: InspectorDeps;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #flow = new FlowAggregate();
  #onWatched: ((watched: boolean) => void) | undefined;
  readonly #batchTimer: NodeJS.Timeout;
  readonly #statsTimer: NodeJS.Timeout;
  /** Events a subscriber did not get because of its rate cap. */
  dropped = 0;
  /** Subscribers cut because they stopped reading (SLOW_CONSUMER). */
  slowConsumers = 0;

  constructor(nsp: InspectorNamespace, deps: InspectorDeps) {
    this.#deps = deps;
    nsp.use((socket, next) => {
      authenticateHandshake(socket.handshake, deps.tokens, true).then(
        (identity) => {
          if (!identity) return next(handshakeRefusal("UNAUTHORIZED"));
          if (identity.role !== "operator") return next(handshakeRefusal("FORBIDDEN"));
          socket.data = { operatorId: identity.userId };
          next();
        },
        () => next(handshakeRefusal("UNAUTHORIZED")),
      );
    });
    nsp.on("connection", (socket) => void this.#onConnection(socket));
    this.#batchTimer = setInterval(() => this.#sendBatches(nsp), BATCH_MS);
    this.#statsTimer = setInterval(() => void this.#sendStats(nsp), 1000);
    this.#batchTimer.unref();
    this.#statsTimer.unref();
  }

  /** Calls `listener` when the first subscriber comes and when the last one goes (the cluster's trace relay follows it). */
  onWatched(listener: (watched: boolean) => void): void {
    this.#onWatched = listener;
  }

  #remove(socketId: string): void {
    if (this.#subscribers.delete(socketId) && this.#subscribers.size === 0) this.#onWatched?.(false);
  }

  /** TraceSink: queue events for each subscriber that wants them. */
  accept(events: readonly TraceEvent[]): void {
    this.#flow.accept(events);
    if (this.#subscribers.size === 0) return;
    const cap = this.#deps.maxEventsPerS;
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

  async #onConnection(socket: InspectorSocket): Promise<void> {
    const operatorId = (socket.data as { operatorId?: string }).operatorId ?? "operator";
    const sub: Subscriber = {
      socket,
      operatorId,
      queued: new EngineQueuedBytes(),
      filter: {},
      paused: false,
      pending: [],
      dropped: 0,
      windowStart: Date.now(),
      sentInWindow: 0,
    };
    this.#subscribers.set(socket.id, sub);
    if (this.#subscribers.size === 1) this.#onWatched?.(true);
    socket.on("disconnect", () => this.#remove(socket.id));
    socket.on("subscribe", (raw: unknown, ack?: unknown) => {
      const parsed = TraceFilterSchema.safeParse(raw ?? {});
      // The filter and the callback come from the client: both are checked, not trusted to the event map.
      const reply = typeof ack === "function" ? (ack as (r: SubscribeAck) => void) : () => undefined;
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
    const q = this.#deps.queries;
    socket.emit("snapshot", {
      handlers: q.handlerList(),
      connections: await q.connectionList(),
      stats: await q.statsSnapshot(),
      series: q.series(15),
      flow: this.#flow.edges(),
      node_id: this.#deps.nodeId,
    });
  }

  /**
   * Sends each subscriber its batch. Subscribers whose batches are the same (the same filter, the same
   * events and drop count: operators watching everything) get one broadcast: Socket.IO encodes it once
   * and their sockets share the frame, so twenty consoles cost one encoding and one buffer, not twenty.
   */
  #sendBatches(nsp: InspectorNamespace): void {
    const batches = new Map<string, { batch: { events: TraceEvent[]; dropped: number }; socketIds: string[] }>();
    for (const sub of this.#subscribers.values()) {
      if (sub.queued.measure(sub.socket.conn) > this.#deps.maxQueuedBytes) {
        this.#cutSlowConsumer(sub);
        continue;
      }
      if (sub.pending.length === 0 && sub.dropped === 0) continue;
      const events = sub.pending;
      sub.pending = [];
      // Events reach every subscriber in one order, so a filter, a count and the two ends name the content.
      const key = `${JSON.stringify(sub.filter)}|${sub.dropped}|${events.length}|${events[0]?.id}|${events.at(-1)?.id}`;
      const same = batches.get(key);
      if (same) same.socketIds.push(sub.socket.id);
      else batches.set(key, { batch: { events, dropped: sub.dropped }, socketIds: [sub.socket.id] });
      sub.dropped = 0;
    }
    for (const { batch, socketIds } of batches.values()) {
      if (socketIds.length === 1) nsp.sockets.get(socketIds[0]!)?.emit("trace", batch);
      else nsp.local.to(socketIds).emit("trace", batch);
    }
  }

  /** A subscriber that stopped reading: dropped with its queue, traced, counted (the stats broadcasts included). */
  #cutSlowConsumer(sub: Subscriber): void {
    this.#remove(sub.socket.id);
    this.slowConsumers++;
    this.#deps.tracer.record("connection_closed", {
      trace_id: `insp_${sub.socket.id}`,
      user_id: sub.operatorId,
      connection_id: `insp_${sub.socket.id}`,
      message_type: "inspector",
      error: { code: "SLOW_CONSUMER", message: "inspector subscriber's outgoing buffer over its bound" },
    });
    sub.socket.disconnect(true);
    sub.socket.conn.close(true);
  }

  async #sendStats(nsp: InspectorNamespace): Promise<void> {
    if (this.#subscribers.size === 0) return;
    const point = this.#deps.queries.lastPoint();
    if (point) nsp.emit("stats", point);
    nsp.emit("totals", await this.#deps.queries.statsSnapshot());
    nsp.emit("flow", this.#flow.edges().slice(0, 200));
  }
}
