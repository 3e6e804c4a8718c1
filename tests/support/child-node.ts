/**
 * A node in a process of its own (started by spawn-child-node.ts; the supervisor test runs it too), so
 * that a crash is observable, its RSS is the node's alone, and a test can kill it without a goodbye.
 * It is server/index.ts without Next.js (no test here needs pages, and a page build must not be a
 * precondition of `npm test`): the same config from the environment, the same handler of stray
 * rejections and the same SIGTERM stop. Prints "PORT <n>" once listening.
 */
import { loadConfig } from "../../server/env";
import { createLogger } from "../../server/logger";
import { SwitchyardNode } from "../../server/node";

const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL, config.NODE_ID);
const node = await SwitchyardNode.create({ config, logger });
const port = await node.listen(config.PORT, config.HOST);
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
process.on("SIGTERM", () => {
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  node.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
// The attack harness asks for a full collection (SIGUSR2; the process runs with --expose-gc) before it
// reads the RSS a node kept after an attack: what is left then is memory the node holds, not a heap V8
// has not shrunk yet.
process.on("SIGUSR2", () => (globalThis as { gc?: () => void }).gc?.());
process.stdout.write(`PORT ${port}\n`);
