/** Remembers acks by (user, message_id) for 10 minutes so a repeated message is not routed twice. */
export class IdempotencyCache<A> {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, { ack: A | Promise<A>; expires: number }>();

  constructor(ttlMs = 10 * 60_000, max = 500_000) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /** The first ack for this key if one is remembered (it may still be pending). */
  get(userId: string, messageId: string): A | Promise<A> | undefined {
    const entry = this.#entries.get(`${userId}\u0000${messageId}`);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.#entries.delete(`${userId}\u0000${messageId}`);
      return undefined;
    }
    return entry.ack;
  }

  delete(userId: string, messageId: string): void {
    this.#entries.delete(`${userId}\u0000${messageId}`);
  }

  set(userId: string, messageId: string, ack: A | Promise<A>): void {
    const now = Date.now();
    // Insertion order is expiry order: sweep expired entries from the front, and cap the size.
    for (const [key, entry] of this.#entries) {
      if (entry.expires >= now && this.#entries.size < this.#max) break;
      this.#entries.delete(key);
    }
    this.#entries.set(`${userId}\u0000${messageId}`, { ack, expires: now + this.#ttlMs });
  }
}
