import type { RouterStats } from "../stats/router-stats";
import type { Tracer } from "../trace/tracer";
import type { Connection, ConnectionId, ConnectionRegistry } from "./connection-registry";
import type { OutgoingEvent } from "./outgoing-event";

/** The outcome of writing one event to one connection. */
export interface DeliveryRecord {
  connection_id: ConnectionId;
  delivered: boolean;
  acknowledged?: boolean;
}

/** Observes deliveries (the session recorder). */
export interface DeliveryObserver {
  onEmitted(event: OutgoingEvent, deliveries: DeliveryRecord[]): void;
  onAcknowledged(event: OutgoingEvent, connectionId: ConnectionId): void;
}

/** Packets a connection may have queued before it is cut as a slow consumer. */
export const SLOW_CONSUMER_BACKLOG = 2000;

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

  constructor(registry: ConnectionRegistry, tracer: Tracer, stats: RouterStats) {
    this.#registry = registry;
    this.#tracer = tracer;
    this.#stats = stats;
  }

  observe(observer: DeliveryObserver): void {
    this.#observers.push(observer);
  }

  /** Sends to one connection (replies to a request). */
  toConnection(connectionId: ConnectionId, event: OutgoingEvent): DeliveryRecord[] {
    this.#traceEmitted(event);
    const conn = this.#registry.get(connectionId);
    const records = conn ? [this.#write(conn, event, false)] : [];
    if (!conn) this.#undelivered(event, connectionId);
    this.#notify(event, records);
    return records;
  }

  /** Sends to every connection of the event's owner on this node (run events, thread_created, alerts). */
  toUser(event: OutgoingEvent & { user_id: string }): DeliveryRecord[] {
    this.#traceEmitted(event);
    const records: DeliveryRecord[] = [];
    for (const id of this.#registry.userConnections(event.user_id)) {
      const conn = this.#registry.get(id);
      if (conn) records.push(this.#write(conn, event, false));
    }
    if (records.length === 0) this.#undelivered(event);
    this.#notify(event, records);
    return records;
  }

  /** Sends an operator broadcast (user_id null) to every connection on this node. */
  broadcast(event: OutgoingEvent & { user_id: null }): DeliveryRecord[] {
    this.#traceEmitted(event);
    const records: DeliveryRecord[] = [];
    for (const conn of this.#registry.all()) records.push(this.#write(conn, event, true));
    this.#notify(event, records);
    return records;
  }

  /** The isolation check and the write. Exposed for tests that address an event deliberately wrong. */
  write(conn: Connection, event: OutgoingEvent, isBroadcast = false): DeliveryRecord {
    return this.#write(conn, event, isBroadcast);
  }

  #write(conn: Connection, event: OutgoingEvent, isBroadcast: boolean): DeliveryRecord {
    const owned = isBroadcast ? event.user_id === null : event.user_id === conn.userId;
    if (!owned) {
      this.#stats.isolationViolation(conn.userId);
      this.#tracer.record("isolation_violation", {
        trace_id: event.trace_id,
        user_id: conn.userId,
        connection_id: conn.id,
        message_type: event.type,
        run_id: event.run_id,
        error: { code: "FORBIDDEN", message: `event owned by ${event.user_id ?? "broadcast"} refused on a connection of ${conn.userId}` },
      });
      return { connection_id: conn.id, delivered: false };
    }
    if (conn.writer.backlog() > SLOW_CONSUMER_BACKLOG) {
      conn.writer.close("SLOW_CONSUMER");
      this.#undelivered(event, conn.id, "SLOW_CONSUMER");
      return { connection_id: conn.id, delivered: false };
    }
    const onAck = conn.acks ? () => this.#acknowledged(conn, event) : undefined;
    conn.writer.write(event, onAck);
    this.#stats.delivered(event.user_id, event.type);
    this.#tracer.record("delivered", {
      trace_id: event.trace_id,
      user_id: conn.userId,
      connection_id: conn.id,
      message_type: event.type,
      run_id: event.run_id,
      thread_id: event.thread_id,
    });
    return { connection_id: conn.id, delivered: true };
  }

  #acknowledged(conn: Connection, event: OutgoingEvent): void {
    this.#tracer.record("acknowledged", {
      trace_id: event.trace_id,
      user_id: conn.userId,
      connection_id: conn.id,
      message_type: event.type,
      run_id: event.run_id,
    });
    for (const o of this.#observers) o.onAcknowledged(event, conn.id);
  }

  #traceEmitted(event: OutgoingEvent): void {
    this.#tracer.record("emitted", {
      trace_id: event.trace_id,
      user_id: event.user_id ?? undefined,
      message_type: event.type,
      run_id: event.run_id,
      thread_id: event.thread_id,
    });
  }

  #undelivered(event: OutgoingEvent, connectionId?: ConnectionId, reason?: string): void {
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

  #notify(event: OutgoingEvent, records: DeliveryRecord[]): void {
    for (const o of this.#observers) o.onEmitted(event, records);
  }
}
