import type { Logger } from "../logger";
import type { RedisClient } from "./redis-link";

/** How long a node's claim on a user lasts in Redis without a refresh (a node that died drops out after it). */
export const PRESENCE_TTL_MS = 30_000;
/** How often a node renews its claims and drops those of users it no longer holds. */
export const PRESENCE_REFRESH_MS = 10_000;

/** The Redis key of a user's presence: a sorted set of node ids, scored by the time their claim expires. */
export function presenceKey(prefix: string, userId: string): string {
  return `${prefix}:presence:${userId}`;
}

/**
 * Which users this node holds connections of (open or parked for recovery), kept in Redis so that other
 * nodes relay a user's events only to the nodes that hold that user. A claim is written the moment a
 * user's first connection opens here (in the same tick as its `connection_established`, before the
 * greeting can reach the client), renewed every PRESENCE_REFRESH_MS while the user is held, and
 * removed once the user has neither open nor parked connections here. A node that stops without
 * removing its claims loses them after PRESENCE_TTL_MS.
 */
export class Presence {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #nodeId: string;
  readonly #holds: (userId: string) => boolean;
  readonly #logger: Logger;
  readonly #held = new Set<string>();
  readonly #timer: NodeJS.Timeout;

  constructor(redis: RedisClient, prefix: string, nodeId: string, holds: (userId: string) => boolean, logger: Logger) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#nodeId = nodeId;
    this.#holds = holds;
    this.#logger = logger;
    this.#timer = setInterval(() => this.refresh(), PRESENCE_REFRESH_MS);
    this.#timer.unref();
    // Redis came back (maybe empty, after a restart): claim every user held here again at once.
    redis.on("ready", () => this.refresh());
  }

  /** Users this node currently claims. */
  get size(): number {
    return this.#held.size;
  }

  /** A connection of the user opened on this node: claims the user unless it is claimed already. */
  opened(userId: string): void {
    if (this.#held.has(userId)) return;
    this.#held.add(userId);
    this.#claim(userId);
  }

  /** Renews the claims of held users and withdraws those of users with no open or parked connection left. */
  refresh(): void {
    for (const userId of this.#held) {
      if (this.#holds(userId)) this.#claim(userId);
      else {
        this.#held.delete(userId);
        this.#run(this.#redis.zRem(presenceKey(this.#prefix, userId), this.#nodeId));
      }
    }
  }

  /** Stops renewing and withdraws every claim of this node (while Redis is reachable). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    if (!this.#redis.isReady) return;
    await Promise.allSettled([...this.#held].map((u) => this.#redis.zRem(presenceKey(this.#prefix, u), this.#nodeId)));
    this.#held.clear();
  }

  #claim(userId: string): void {
    const key = presenceKey(this.#prefix, userId);
    this.#run(this.#redis.zAdd(key, { score: Date.now() + PRESENCE_TTL_MS, value: this.#nodeId }));
    this.#run(this.#redis.pExpire(key, PRESENCE_TTL_MS * 2));
  }

  #run(command: Promise<unknown>): void {
    command.catch((err: Error) => this.#logger.debug({ err: err.message }, "presence not written"));
  }
}
