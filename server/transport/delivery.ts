import type { DeliveryRecord, ServerEvent } from "../../contract";
import type { RouterStats } from "../stats/router-stats";
import type { Tracer } from "../trace/tracer";
import type { Connection, ConnectionId, ConnectionRegistry } from "./connection-registry";

/** Where one event went on one connection (also what other nodes answer to `sy:deliver`). */
export type { DeliveryRecord };

/** Observes deliveries (the session recorder). */
export interface DeliveryObserver {
  /** `remote` resolves with the deliveries other nodes of a cluster made, when there are other nodes. */
  onEmitted(event: ServerEvent, deliveries: DeliveryRecord[], remote?: Promise<DeliveryRecord[]>): void;
  onAcknowledged(event: ServerEvent, connectionId: string): void;
}

/** Carries events to the connections of other nodes (the cluster); each node delivers through its own checked path. */
export interface RemoteDelivery {
  /** Resolves with the other nodes' delivery records; null when there are no reachable other nodes. */
  toUser(event: ServerEvent & { user_id: string }): Promise<DeliveryRecord[]> | null;
  broadcast(event: ServerEvent & { user_id: null }): void;
}

/** The default of OUTBOUND_BUFFER_BYTES: unsent bytes a connection may hold before it is cut as a slow consumer. */
export const DEFAULT_OUTBOUND_BUFFER_BYTES = 4 << 20;

/**
 * The one delivery path. Every event to a client goes through here, and every socket write is preceded
 * by the isolation check: the socket's authenticated user must own the event, or the event must be a
 * broadcast. A mismatch is not written, is counted and is traced. The check is a string comparison.
 */
export class Delivery {
  readonly #registry: ConnectionRegistry;
  readonly #tracer: Tracer;
  readonly #stats: RouterStats;
  readonly #observers: DeliveryObserver[] = [];
  readonly #maxQueuedBytes: number;
  #remote: RemoteDelivery | null = null;

  constructor(registry: ConnectionRegistry, tracer: Tracer, stats: RouterStats, maxQueuedBytes = DEFAULT_OUTBOUND_BUFFER_BYTES) {
    this.#registry = registry;
    this.#tracer = tracer;
    this.#stats = stats;
    this.#maxQueuedBytes = maxQueuedBytes;
  }

  observe(observer: DeliveryObserver): void {
    this.#observers.push(observer);
  }

  /** Joins a cluster: user events and broadcasts also go to the other nodes. */
  setRemote(remote: RemoteDelivery | null): void {
    this.#remote = remote;
  }

  /** Sends to one connection (replies to a request). */
  toConnection(connectionId: ConnectionId, event: ServerEvent): DeliveryRecord[] {
    this.#traceEmitted(event);
    const conn = this.#registry.get(connectionId);
    const records = conn ? [this.#write(conn, event, false)] : [];
    if (!conn) this.#undelivered(event, connectionId);
    this.#notify(event, records);
    return records;
  }

  /**
   * Sends to every connection of the event's owner: open ones on this node, parked ones (waiting for
   * connection-state recovery), and, in a cluster, those of other nodes.
   */
  toUser(event: ServerEvent & { user_id: string }): DeliveryRecord[] {
    this.#traceEmitted(event);
    const records = this.deliverLocally(event);
    const remote = this.#remote?.toUser(event) ?? undefined;
    if (!remote) {
      if (!records.some((r) => r.delivered)) this.#undelivered(event);
    } else {
      void remote.then((others) => {
        if (!records.some((r) => r.delivered) && !others.some((r) => r.delivered)) this.#undelivered(event);
      });
    }
    this.#notify(event, records, remote);
    return records;
  }

  /** Writes a user's event to this node's connections of that user (also called for other nodes' events). */
  deliverLocally(event: ServerEvent & { user_id: string }): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    for (const id of this.#registry.userConnections(event.user_id)) {
      const conn = this.#registry.get(id);
      if (conn && inScope(conn, event)) records.push(this.#write(conn, event, false));
    }
    for (const conn of this.#registry.parkedConnections(event.user_id)) records.push(this.#park(conn, event));
    return records;
  }

  /** Sends an operator broadcast (user_id null) to every connection, on every node. */
  broadcast(event: ServerEvent & { user_id: null }): DeliveryRecord[] {
    this.#traceEmitted(event);
    const records = this.broadcastLocally(event);
    this.#remote?.broadcast(event);
    this.#notify(event, records);
    return records;
  }

  broadcastLocally(event: ServerEvent & { user_id: null }): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    for (const conn of this.#registry.all()) if (inScope(conn, event)) records.push(this.#write(conn, event, true));
    return records;
  }

  /**
   * Delivers an event missed while a connection was gone, after connection-state recovery restored it.
   * The same isolation check applies; the write goes through `send`, which keeps the packet's offset.
   */
  deliverRecovered(conn: Connection, event: ServerEvent, send: () => void): DeliveryRecord | null {
    if (!this.#owned(conn, event, false)) return null;
    send();
    this.#stats.delivered(event.user_id, event.type);
    this.#tracer.record("delivered", {
      ...this.#ids(conn, event),
      error: { code: "RECOVERED", message: "delivered by connection-state recovery" },
    });
    return { connection_id: conn.id, delivered: true, recovered: true };
  }

  /** The isolation check and the write. Exposed for tests that address an event deliberately wrong. */
  write(conn: Connection, event: ServerEvent, isBroadcast = false): DeliveryRecord {
    return this.#write(conn, event, isBroadcast);
  }

  #owned(conn: Connection, event: ServerEvent, isBroadcast: boolean): boolean {
    const owned = isBroadcast ? event.user_id === null : event.user_id === conn.userId;
    if (owned) return true;
    this.#stats.isolationViolation(conn.userId);
    this.#tracer.record("isolation_violation", {
      ...this.#ids(conn, event),
      error: { code: "FORBIDDEN", message: `event owned by ${event.user_id ?? "broadcast"} refused on a connection of ${conn.userId}` },
    });
    return false;
  }

  #write(conn: Connection, event: ServerEvent, isBroadcast: boolean): DeliveryRecord {
    if (!this.#owned(conn, event, isBroadcast)) return { connection_id: conn.id, delivered: false };
    if (conn.writer.queuedBytes() > this.#maxQueuedBytes) {
      conn.writer.close("SLOW_CONSUMER");
      this.#undelivered(event, conn.id, "SLOW_CONSUMER");
      return { connection_id: conn.id, delivered: false };
    }
    const onAck = conn.acks ? () => this.#acknowledged(conn, event) : undefined;
    conn.writer.write(event, onAck);
    this.#stats.delivered(event.user_id, event.type);
    this.#tracer.record("delivered", { ...this.#ids(conn, event), thread_id: event.thread_id });
    return { connection_id: conn.id, delivered: true };
  }

  /** A parked connection's socket is gone; the write only stores the event for recovery. */
  #park(conn: Connection, event: ServerEvent): DeliveryRecord {
    if (!this.#owned(conn, event, false)) return { connection_id: conn.id, delivered: false };
    conn.writer.write(event);
    return { connection_id: conn.id, delivered: false, parked: true };
  }

  #ids(conn: Connection, event: ServerEvent) {
    return { trace_id: event.trace_id, user_id: conn.userId, connection_id: conn.id, message_type: event.type, run_id: event.run_id };
  }

  #acknowledged(conn: Connection, event: ServerEvent): void {
    this.#tracer.record("acknowledged", this.#ids(conn, event));
    for (const o of this.#observers) o.onAcknowledged(event, conn.id);
  }

  #traceEmitted(event: ServerEvent): void {
    this.#tracer.record("emitted", {
      trace_id: event.trace_id,
      user_id: event.user_id ?? undefined,
      message_type: event.type,
      run_id: event.run_id,
      thread_id: event.thread_id,
    });
  }

  #undelivered(event: ServerEvent, connectionId?: ConnectionId, reason?: string): void {
    this.#tracer.record("undelivered", {
      trace_id: event.trace_id,
      user_id: event.user_id ?? undefined,
      connection_id: connectionId,
      message_type: event.type,
      run_id: event.run_id,
      thread_id: event.thread_id,
      error: reason ? { code: reason, message: "connection closed as a slow consumer" } : undefined,
    });
  }

  #notify(event: ServerEvent, records: DeliveryRecord[], remote?: Promise<DeliveryRecord[]>): void {
    for (const o of this.#observers) o.onEmitted(event, records, remote);
  }
}

/** A run-scoped connection (an AG-UI stream) takes its run's events only; every other connection takes all. */
function inScope(conn: Connection, event: ServerEvent): boolean {
  return conn.runScope === undefined || conn.runScope === event.run_id;
}
