import { defineConfig } from "vitest/config";

/** See the integration project: ECONNRESET from a killed private Redis is logged, not a failure. */
const ignoreRedisResets = (error: unknown) => ((error as { code?: string }).code === "ECONNRESET" ? false : undefined);

export default defineConfig({
  test: {
    onUnhandledError: ignoreRedisResets,
    projects: [
      {
        test: {
          name: "unit",
          include: ["server/**/*.test.ts", "scripts/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Each file boots its own real server on port 0; files run in parallel processes.
          pool: "forks",
          // The cluster suite kills a private redis-server under two live nodes: a Redis command in flight
          // at that moment (inside the Socket.IO adapter, not awaited there) rejects with ECONNRESET. The
          // server logs such stray rejections and goes on (server/index.ts); the suite does the same.
          onUnhandledError: ignoreRedisResets,
        },
      },
      {
        test: {
          name: "attacks",
          // Issue 16's attacks, each against a node in a child process while a bystander pings it
          // (tests/attacks/support/attack-harness.ts). One file at a time: a bystander's p99 means
          // nothing while another attack runs. ATTACK_SCALE=full (npm run test:stress) for the sizes.
          include: ["tests/attacks/**/*.test.ts"],
          environment: "node",
          pool: "forks",
          fileParallelism: false,
          globalSetup: ["tests/attacks/support/global-setup.ts"],
          testTimeout: process.env.ATTACK_SCALE === "full" ? 600_000 : 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
