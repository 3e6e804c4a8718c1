import { dropDatabase, freshPostgresUrl } from "./postgres";
import { freePort } from "./free-port";
import { PrivateRedis } from "./private-redis";
import { sleep, startTestNode, type TestNode } from "./test-node";

/** Two real nodes, "node-a" and "node-b", on a private redis-server and a fresh PostgreSQL database. */
export interface TwoNodeCluster {
  a: TestNode;
  b: TestNode;
  /** The private redis-server (a test may stop and start it). */
  redis: PrivateRedis;
  /** The nodes' REDIS_PREFIX. */
  prefix: string;
  /** Stops both nodes, then Redis, and drops the database. */
  stop(): Promise<void>;
}

/** Starts the cluster; `name` names its database and key prefix, `env` is added to both nodes'. */
export async function startTwoNodeCluster(name: string, env: Record<string, string> = {}): Promise<TwoNodeCluster> {
  const db = freshPostgresUrl(name);
  const prefix = `sy-${name}-${process.pid}`;
  const redis = new PrivateRedis(await freePort());
  await redis.start();
  const shared = { DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...env };
  const nodes = await Promise.allSettled([
    startTestNode({ ...shared, NODE_ID: "node-a" }),
    startTestNode({ ...shared, NODE_ID: "node-b" }),
  ]);
  const stop = async () => {
    await Promise.allSettled(nodes.flatMap((n) => (n.status === "fulfilled" ? [n.value.stop()] : [])));
    await redis.stop();
    await dropDatabase(db.name);
  };
  const failed = nodes.find((n) => n.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [a, b] = nodes.map((n) => (n as PromiseFulfilledResult<TestNode>).value) as [TestNode, TestNode];
  // Both nodes' adapters subscribe to Redis asynchronously after listen.
  await sleep(300);
  return { a, b, redis, prefix, stop };
}
