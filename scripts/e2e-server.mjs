// Starts the production server for Playwright on its own port with a fresh SQLite file.
// Used by playwright.config.ts `webServer`; builds first when no build exists.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const dataDir = `${root}data/e2e`;
rmSync(dataDir, { recursive: true, force: true });
const env = {
  ...process.env,
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  CHECKPOINT_DISABLE: "1",
  PORT: process.env.E2E_PORT ?? "3107",
  HOST: "127.0.0.1",
  NODE_ID: "e2e-node",
  DATA_DIR: dataDir,
  DATABASE_URL: `file:${dataDir}/e2e.db`,
  AUTH_SECRET: "e2e-secret-please-change-0123456789",
  FAULT_INJECTION: "1",
  RATE_LIMIT_PER_S: "1000",
  RATE_LIMIT_BURST: "2000",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  // The built-in `assistant` is listed first so user_message keeps its built-in default agent; the AG-UI
  // entry only needs listing (nothing listens on port 9).
  AGENTS_FILE: `${root}e2e/agents.e2e.json`,
  // The defaults but pass_rate (other specs fail runs on purpose), and one rule e2e/alerts.spec.ts trips.
  ALERTS_FILE: `${root}e2e/alerts.e2e.json`,
  ALERT_EVAL_MS: "500",
};
if (!existsSync(`${root}.next/BUILD_ID`)) {
  const build = spawnSync("npx", ["next", "build"], { cwd: root, env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const server = spawn("npx", ["tsx", "server/index.ts"], { cwd: root, env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
