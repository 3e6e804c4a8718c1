import type { ConnectionRegistry } from "./connection-registry";

/**
 * MAX_CONNECTIONS_PER_USER across every transport: a handshake reserves one of the user's slots before
 * its connection is registered (so two handshakes at once cannot both take the last slot), and the
 * reservation ends when the connection is registered or the handshake is abandoned.
 */
export class ConnectionAdmission {
  readonly #connections: ConnectionRegistry;
  readonly #max: number;
  readonly #pending = new Map<string, number>();

  constructor(connections: ConnectionRegistry, maxPerUser: number) {
    this.#connections = connections;
    this.#max = maxPerUser;
  }

  /** Reserves a slot for a new connection of the user; null when the user is at the limit. The release is idempotent. */
  reserve(userId: string): (() => void) | null {
    const reserved = this.#pending.get(userId) ?? 0;
    if (this.#connections.countForUser(userId) + reserved >= this.#max) return null;
    this.#pending.set(userId, reserved + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#pending.get(userId) ?? 1) - 1;
      if (left > 0) this.#pending.set(userId, left);
      else this.#pending.delete(userId);
    };
  }
}
