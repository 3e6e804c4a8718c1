import type { RedisClient } from "../cluster/redis-link";

/** How long a notification's claim is kept: far longer than any episode's notifications take. */
const CLAIM_TTL_MS = 24 * 3600_000;
/** A Redis answer slower than this counts as Redis unreachable (its offline queue would hold the command). */
const REDIS_ANSWER_MS = 1000;

/** Runs `ask` against Redis; `fallback` when Redis is not ready, fails, or does not answer in time. */
async function ask<T>(redis: RedisClient, fallback: T, ask: () => Promise<T>): Promise<T> {
  if (!redis.isReady) return fallback;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), REDIS_ANSWER_MS);
    timer.unref();
  });
  try {
    return await Promise.race([ask(), late]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

/** A node's counters the counting rules read (isolation_violation, trace_drops). */
export interface NodeCounters {
  node: string;
  isolationViolations: number;
  traceDrops: number;
}

/**
 * Who evaluates the alert rules and sends each notification. Alone, this node. In a cluster, the node
 * holding the lease `<prefix>:alert:evaluator` (SET NX PX, renewed at every evaluation, given up on
 * close) keeps the episodes; besides, each notification is sent only by the node that claims
 * `<prefix>:alert:<episode id>:<state>` first, so a lease changing hands never notifies twice. While
 * Redis is unreachable every node evaluates on its own (the `degraded` alert must still get out).
 * Every node shares its counters in the hash `<prefix>:alert:counters` at each evaluation, so that the
 * evaluator counts the whole cluster's isolation violations and trace drops.
 */
export interface AlertLease {
  /** Whether this node evaluates now (renews the lease). */
  held(): Promise<boolean>;
  /** Whether this node sends the notification `key` (`<episode id>:<state>`); true once across the cluster. */
  claim(key: string): Promise<boolean>;
  release(): Promise<void>;
  /** Publishes this node's counters. */
  share(counters: NodeCounters): Promise<void>;
  /** Every node's counters (null alone, or when Redis does not answer: then this node's only). */
  counters(): Promise<NodeCounters[] | null>;
}

/** A single node: always the evaluator, every notification its own. */
export const SOLE_NODE: AlertLease = {
  held: async () => true,
  claim: async () => true,
  release: async () => {},
  share: async () => {},
  counters: async () => null,
};

/** The lease through Redis; `ttlMs` is a few evaluation periods, so a stopped node's lease lapses soon. */
export function redisLease(redis: RedisClient, prefix: string, nodeId: string, ttlMs: number): AlertLease {
  const leaseKey = `${prefix}:alert:evaluator`;
  const countersKey = `${prefix}:alert:counters`;
  return {
    held: () =>
      ask(redis, true, async () => {
        if ((await redis.set(leaseKey, nodeId, { NX: true, PX: ttlMs })) === "OK") return true;
        if ((await redis.get(leaseKey)) !== nodeId) return false;
        await redis.pExpire(leaseKey, ttlMs);
        return true;
      }),
    claim: (key) =>
      ask(redis, true, async () => (await redis.set(`${prefix}:alert:${key}`, nodeId, { NX: true, PX: CLAIM_TTL_MS })) === "OK"),
    release: () =>
      ask(redis, undefined, async () => {
        if ((await redis.get(leaseKey)) === nodeId) await redis.del(leaseKey);
      }),
    share: (c) =>
      ask(redis, undefined, async () => {
        await redis.hSet(countersKey, c.node, `${c.isolationViolations},${c.traceDrops}`);
      }),
    counters: () =>
      ask(redis, null, async () =>
        Object.entries(await redis.hGetAll(countersKey)).map(([node, v]) => {
          const [isolationViolations = 0, traceDrops = 0] = String(v).split(",").map(Number);
          return { node, isolationViolations, traceDrops };
        }),
      ),
  };
}
