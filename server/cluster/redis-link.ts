import { createClient } from "redis";
import type { Logger } from "../logger";

function makeClient(url: string) {
  return createClient({
    url,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000), connectTimeout: 2000 },
  });
}

export type RedisClient = ReturnType<typeof makeClient>;

/**
 * The node's Redis connection. It reconnects by itself and says whether the cluster is reachable right
 * now; while it is not, the node sends nothing through it (it serves its own connections instead). The
 * offline queue stays on: the adapter's stream readers, duplicated from this client, would otherwise
 * spin on immediate errors while Redis is down.
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisClient> {
  const client = makeClient(url);
  let down = false;
  client.on("error", (err: Error) => {
    if (!down) logger.warn({ err: err.message }, "redis unreachable; serving this node's connections only");
    down = true;
  });
  client.on("ready", () => {
    if (down) logger.info("redis reachable again; rejoining the cluster");
    down = false;
  });
  await client.connect();
  return client;
}
