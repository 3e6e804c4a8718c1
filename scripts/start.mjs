// `npm start`: build when no production build exists, then serve in production mode under the supervisor
// (scripts/supervise.mjs), which starts the node again when its process dies (docs/deploy.md).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { policyFromEnv, supervise } from "./supervise.mjs";

const root = new URL("..", import.meta.url).pathname;
const env = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" };

if (!existsSync(`${root}.next/BUILD_ID`)) {
  process.stdout.write("No production build yet: running `next build` (about 30 s)...\n");
  const build = spawnSync("npx", ["next", "build"], { cwd: root, env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// One process per node (no npx or tsx launcher in between): a kill -9 or an out-of-memory abort ends the
// process the supervisor watches, and the signals it forwards reach the node itself.
const node = ["--import", "tsx", "server/index.ts"];
process.exit(await supervise(process.execPath, node, { cwd: root, env, policy: policyFromEnv(env) }));
