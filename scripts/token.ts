// `npm run token -- --sub <id> [--role operator] [--ttl 24h]`: mints a token with the server's secret.
import { parseArgs } from "node:util";
import { resolveAuthSecret } from "../server/auth/secret-files";
import { TokenService } from "../server/auth/tokens";
import { loadConfig } from "../server/env";

const { values } = parseArgs({
  options: { sub: { type: "string" }, role: { type: "string", default: "user" }, ttl: { type: "string", default: "24h" } },
});
if (!values.sub) {
  process.stderr.write("usage: npm run token -- --sub <user id> [--role user|operator] [--ttl 24h|none]\n");
  process.exit(2);
}
if (values.role !== "user" && values.role !== "operator") {
  process.stderr.write("--role must be user or operator\n");
  process.exit(2);
}
const config = loadConfig();
const tokens = new TokenService(resolveAuthSecret(config.AUTH_SECRET, config.DATA_DIR));
process.stdout.write((await tokens.sign(values.sub, values.role, values.ttl === "none" ? null : values.ttl)) + "\n");
