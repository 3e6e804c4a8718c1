import type { Transport } from "../../contract";
import type { EventWriter } from "./event-writer";
import type { RateBucket } from "../router/rate-limit";
import type { Role } from "../auth/identity";

export type ConnectionId = string;

/** One open connection on this node. */
export interface Connection {
  id: ConnectionId;
  userId: string;
  role: Role;
  nodeId: string;
  transport: Transport;
  /**
   * Set on a connection that exists for one run only (an AG-UI stream): it receives that run's events
   * and nothing else, and counts for the delivery of that run only. `""` until the run has started.
   */
  runScope?: string;
  connectedAt: number;
  lastActivity: number;
  /** The client asked to acknowledge every event. */
  acks: boolean;
  writer: EventWriter;
  /** The router's rate-limit state for this connection (set on its first message). */
  rateBucket?: RateBucket;
  /** Stops reading the connection for `ms` (a flood past its rate budget); absent where it cannot be paused. */
  holdReading?: (ms: number) => void;
}

/** The one connection registry: user -> connections and connection -> user, both O(1). */
export class ConnectionRegistry {
  readonly #byId = new Map<ConnectionId, Connection>();
  readonly #byUser = new Map<string, Set<ConnectionId>>();
  /** Connections gone for now but recoverable (connection-state recovery), by user, with their deadline. */
  readonly #parked = new Map<string, Map<ConnectionId, { conn: Connection; until: number }>>();

  add(conn: Connection): void {
    this.#byId.set(conn.id, conn);
    let set = this.#byUser.get(conn.userId);
    if (!set) this.#byUser.set(conn.userId, (set = new Set()));
    set.add(conn.id);
  }

  remove(id: ConnectionId): Connection | undefined {
    const conn = this.#byId.get(id);
    if (!conn) return undefined;
    this.#byId.delete(id);
    const set = this.#byUser.get(conn.userId);
    set?.delete(id);
    if (set?.size === 0) this.#byUser.delete(conn.userId);
    return conn;
  }

  /** Keeps a closed connection's writer until `until`, so events meant for it are stored for recovery. */
  park(conn: Connection, until: number): void {
    let map = this.#parked.get(conn.userId);
    if (!map) this.#parked.set(conn.userId, (map = new Map()));
    map.set(conn.id, { conn, until });
  }

  /** Forgets a parked connection (recovered, here or on another node); returns it when it was parked here. */
  unpark(userId: string, id: ConnectionId): Connection | undefined {
    const map = this.#parked.get(userId);
    const entry = map?.get(id);
    map?.delete(id);
    if (map?.size === 0) this.#parked.delete(userId);
    return entry?.conn;
  }

  /** A user's parked connections whose recovery window is still open (expired ones are dropped). */
  parkedConnections(userId: string): Connection[] {
    const map = this.#parked.get(userId);
    if (!map) return NO_CONNECTIONS;
    const now = Date.now();
    const live: Connection[] = [];
    for (const [id, entry] of map) {
      if (entry.until < now) map.delete(id);
      else live.push(entry.conn);
    }
    if (map.size === 0) this.#parked.delete(userId);
    return live;
  }

  get(id: ConnectionId): Connection | undefined {
    return this.#byId.get(id);
  }

  /** The ids of a user's open connections on this node (empty when none). */
  userConnections(userId: string): ReadonlySet<ConnectionId> {
    return this.#byUser.get(userId) ?? EMPTY;
  }

  countForUser(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /** A user's open connections by transport. */
  transportsOf(userId: string): Partial<Record<Transport, number>> {
    const out: Partial<Record<Transport, number>> = {};
    for (const id of this.userConnections(userId)) {
      const t = this.#byId.get(id)?.transport;
      if (t) out[t] = (out[t] ?? 0) + 1;
    }
    return out;
  }

  all(): IterableIterator<Connection> {
    return this.#byId.values();
  }

  users(): IterableIterator<string> {
    return this.#byUser.keys();
  }

  get size(): number {
    return this.#byId.size;
  }

  get userCount(): number {
    return this.#byUser.size;
  }
}

const EMPTY: ReadonlySet<ConnectionId> = new Set();
const NO_CONNECTIONS: Connection[] = [];
