// Wiring only: environment, Next.js, the Switchyard node, signals.
import { resolve } from "node:path";
import next from "next";
import { writeOperatorToken } from "./auth/secret-files";
import { startDemoTraffic } from "./demo/demo-traffic";
import { loadConfig } from "./env";
import { createLogger } from "./logger";
import { SwitchyardNode } from "./node";

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL, config.NODE_ID);
const dev = config.NODE_ENV !== "production";

const app = next({ dev, dir: new URL("..", import.meta.url).pathname, hostname: config.HOST, port: config.PORT });
await app.prepare();
const pageHandler = app.getRequestHandler();

const node = await SwitchyardNode.create({ config, logger, pageHandler: (req, res) => void pageHandler(req, res) });
const port = await node.listen();
// The file's absolute path, whether DATA_DIR is relative (to the working directory) or absolute.
const tokenFile = config.AUTH_SECRET ? null : resolve(await writeOperatorToken(node.tokens, config.DATA_DIR));
if (tokenFile) logger.info({ operator_token_file: tokenFile }, "operator token written (valid 24 h)");
logger.info({ url: `http://${config.HOST}:${port}`, dev }, "Switchyard is serving");
process.stdout.write(`\n  Switchyard: http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${port}\n`);
if (tokenFile) process.stdout.write(`  Operator token: ${tokenFile}\n\n`);

const stopDemo = config.DEMO_TRAFFIC ? await startDemoTraffic(`http://127.0.0.1:${port}`, node.tokens, logger) : () => undefined;

// A library's stray promise (a Redis command cut mid-flight, say) must not take the router down.
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  stopDemo();
  node
    .close()
    .then(() => app.close?.())
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    });
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
