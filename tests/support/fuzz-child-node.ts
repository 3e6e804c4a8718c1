/**
 * Boots one Switchyard node in a process of its own (configured by the environment, like startTestNode)
 * so that a hardening test can kill it without a goodbye (SIGKILL) and start another on the same data.
 * Prints "PORT <n>" once listening. Used by tests/integration/hardening-restart.test.ts.
 */
import { loadConfig } from "../../server/env";
import { createLogger } from "../../server/logger";
import { SwitchyardNode } from "../../server/node";

const config = loadConfig(process.env);
const node = await SwitchyardNode.create({ config, logger: createLogger(config.LOG_LEVEL, config.NODE_ID) });
const port = await node.listen(0, "127.0.0.1");
process.stdout.write(`PORT ${port}\n`);
