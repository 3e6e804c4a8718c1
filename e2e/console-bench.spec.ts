import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";

const run = promisify(execFile);

interface ConsoleBenchJson {
  sockets: number;
  tracesPerRun: number;
  failedRuns: number;
  pages: { path: string; connections: number; traceEventsPerS: number; busyMean: number; marks: { heapMb: number; nodes: number }[] }[];
}

// `npm run bench:console` in miniature (it needs the console's build, which exists by the e2e step):
// its own node with the console pages, a few hundred sockets, paced golden runs, both pages read through
// Chromium's DevTools protocol. It checks that the benchmark runs to the end and measures what it
// should; never how busy or how big anything is.
test("npm run bench:console measures / and /flows under sockets and trace events (smoke)", async () => {
  test.setTimeout(180_000);
  const { stdout } = await run(
    "npx",
    [
      "tsx",
      "scripts/bench/console-bench.ts",
      "--json",
      "--minutes",
      "0.2",
      "--sockets",
      "300",
      "--trace-rate",
      "300",
      "--active-users",
      "20",
    ],
    { cwd: process.cwd(), maxBuffer: 8 * 1024 * 1024, env: { ...process.env, NODE_ENV: "production" } },
  );
  const result = JSON.parse(stdout) as ConsoleBenchJson;
  expect(result.tracesPerRun).toBeGreaterThan(5);
  expect(result.failedRuns).toBe(0);
  expect(result.pages.map((p) => p.path)).toEqual(["/", "/flows"]);
  for (const page of result.pages) {
    expect(page.connections).toBeGreaterThanOrEqual(300);
    expect(page.traceEventsPerS).toBeGreaterThan(0);
    expect(page.busyMean).toBeGreaterThan(0);
    expect(page.marks.length).toBeGreaterThanOrEqual(2);
    expect(page.marks.every((m) => m.heapMb > 0 && m.nodes > 0)).toBe(true);
  }
});
