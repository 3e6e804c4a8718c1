import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bound, then closed): for a server a test starts
 * on a known port, or as a port nothing listens on.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
