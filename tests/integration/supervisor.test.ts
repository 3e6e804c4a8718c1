import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../support/free-port";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, testNodeEnv } from "../support/test-node";

/**
 * The supervisor of `npm start` (scripts/supervise.mjs, docs/deploy.md): it restarts a child that exits
 * non-zero or dies of a signal it did not forward (kill -9, the abort of "JavaScript heap out of memory"),
 * with a doubling backoff; it gives up after too many crashes in its window; SIGINT/SIGTERM stop the child
 * and the supervisor with the child's exit code. Last, a real node killed with
 * SIGKILL comes back on the same port (the node without Next.js pages: tests/support/child-node.ts).
 */

const root = fileURLToPath(new URL("../..", import.meta.url));
const SUPERVISE = join(root, "scripts/supervise.mjs");
let dir: string;

/**
 * A child that counts its runs in `runs` and, on run n, does what `FLAKY_PLAN` (comma-separated) says at
 * position n: "exit:<code>", "kill" (SIGKILL to itself), "oom" (allocates until V8 aborts), "serve"
 * (prints "ready" once SIGINT/SIGTERM exit with FLAKY_STOP_CODE, then waits). Past the plan it exits 0.
 */
const FLAKY = `
import { appendFileSync, readFileSync } from "node:fs";
const runsFile = process.env.FLAKY_RUNS;
appendFileSync(runsFile, "x");
const run = readFileSync(runsFile, "utf8").length;
const step = (process.env.FLAKY_PLAN ?? "").split(",")[run - 1] ?? "exit:0";
if (step.startsWith("exit:")) process.exit(Number(step.slice(5)));
if (step === "kill") process.kill(process.pid, "SIGKILL");
if (step === "oom") { const keep = []; for (;;) keep.push(new Array(100_000).fill(run)); }
if (step === "serve") {
  for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(Number(process.env.FLAKY_STOP_CODE ?? 0)));
  setInterval(() => undefined, 1_000);
  process.stdout.write("ready\\n");
}
`;

/** Fast policy for the tests: 20 ms first backoff; everything else as configured per test. */
const FAST = { SUPERVISOR_BACKOFF_MS: "20", SUPERVISOR_MAX_BACKOFF_MS: "1000" };

interface Supervised {
  pid: number;
  exited: Promise<number | null>;
  output(): string;
  /** The supervisor's own lines (one per restart, and the giving-up line). */
  lines(): string[];
  signal(name: NodeJS.Signals): void;
}

function supervise(command: string[], env: Record<string, string>): Supervised {
  const proc = spawn(process.execPath, [SUPERVISE, "--", ...command], { cwd: root, env: { ...process.env, ...env } });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    pid: proc.pid!,
    exited,
    output: () => out,
    lines: () => out.split("\n").filter((l) => l.startsWith("[supervisor]")),
    signal: (name) => proc.kill(name),
  };
}

function flaky(plan: string[], env: Record<string, string> = {}) {
  const runs = join(dir, `runs-${Math.random().toString(36).slice(2)}`);
  writeFileSync(runs, "");
  const s = supervise(["node", "--max-old-space-size=32", join(dir, "flaky.mjs")], {
    ...FAST,
    FLAKY_RUNS: runs,
    FLAKY_PLAN: plan.join(","),
    ...env,
  });
  return { ...s, runs: () => readFileSync(runs, "utf8").length };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "switchyard-supervisor-"));
  writeFileSync(join(dir, "flaky.mjs"), FLAKY);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the supervisor with a small child", () => {
  it("restarts after exit 3, kill -9 and an out-of-memory abort, with a doubling backoff, until the child exits 0", async () => {
    const s = flaky(["exit:3", "kill", "oom"]);
    expect(await s.exited).toBe(0);
    expect(s.runs()).toBe(4);
    const lines = s.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/child exited \(code 3\) .* restarting in 20 ms \(crash 1 of 10/);
    expect(lines[1]).toMatch(/child exited \(signal SIGKILL\) .* restarting in 40 ms \(crash 2 of 10/);
    expect(lines[2]).toMatch(/child exited \(signal SIGABRT\) .* restarting in 80 ms \(crash 3 of 10/);
    expect(s.output()).toContain("JavaScript heap out of memory");
  });

  it("gives up after SUPERVISOR_MAX_CRASHES crashes within the window, exiting with the child's code", async () => {
    const s = flaky(["exit:3", "exit:3", "exit:3", "exit:3"], { SUPERVISOR_MAX_CRASHES: "3" });
    expect(await s.exited).toBe(3);
    expect(s.runs()).toBe(3);
    expect(s.lines()).toHaveLength(3);
    expect(s.lines()[2]).toMatch(/3 crashes within 300000 ms: giving up/);
  });

  it("crashes older than the window do not count, and a run that stayed up resets the backoff", async () => {
    // Crashes are at least one backoff (150 ms) apart and the window is 100 ms: never 2 in the window. Every
    // run is "stable" (1 ms), so the backoff never doubles.
    const s = flaky(["exit:3", "exit:3", "exit:3"], {
      SUPERVISOR_BACKOFF_MS: "150",
      SUPERVISOR_MAX_CRASHES: "2",
      SUPERVISOR_CRASH_WINDOW_MS: "100",
      SUPERVISOR_STABLE_MS: "1",
    });
    expect(await s.exited).toBe(0);
    expect(s.runs()).toBe(4);
    expect(s.lines()).toHaveLength(3);
    for (const line of s.lines()) expect(line).toMatch(/restarting in 150 ms \(crash 1 of 2 /);
  });

  for (const [signal, stopCode] of [
    ["SIGTERM", 0],
    ["SIGINT", 7],
  ] as const) {
    it(`${signal} is forwarded: the child stops, nothing restarts, the supervisor exits with the child's code (${stopCode})`, async () => {
      const s = flaky(["serve"], { FLAKY_STOP_CODE: String(stopCode) });
      await until(() => s.output().includes("ready"), "the child to be ready");
      s.signal(signal);
      expect(await s.exited).toBe(stopCode);
      expect(s.runs()).toBe(1);
      expect(s.lines()).toEqual([]);
    });
  }
});

async function health(url: string): Promise<{ status: string; uptime_s: number } | null> {
  try {
    const res = await fetch(`${url}/api/health`);
    return res.ok ? ((await res.json()) as { status: string; uptime_s: number }) : null;
  } catch {
    return null;
  }
}

/** The pids of a process's children (none once it has exited: `ps` then exits 1). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe("the supervisor with a real node", () => {
  // The node runs as in `npm start` (node --import tsx) but without Next.js pages (tests/support/child-node.ts),
  // since no production build need exist when the integration tests run.
  it("a node killed with SIGKILL comes back on the same port and answers /api/health", { timeout: 120_000 }, async () => {
    const dataDir = join(dir, "node");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const s = supervise(["node", "--import", "tsx", "tests/support/child-node.ts"], {
      ...testNodeEnv(dataDir),
      ...FAST,
      PORT: String(port),
      HOST: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
    });
    try {
      await until(async () => (await health(url))?.status === "ok", "the node to serve", 60_000);
      const [first, ...others] = childrenOf(s.pid);
      expect(others).toEqual([]);

      process.kill(first!, "SIGKILL");
      await until(() => s.lines().length === 1, "the restart line", 10_000);
      expect(s.lines()[0]).toMatch(/child exited \(signal SIGKILL\) .* restarting in 20 ms/);
      await until(async () => (await health(url))?.status === "ok", "the node to come back", 60_000);
      expect(childrenOf(s.pid)).toHaveLength(1);
      expect(childrenOf(s.pid)[0]).not.toBe(first);

      s.signal("SIGTERM");
      expect(await s.exited).toBe(0);
      expect(await health(url)).toBeNull();
    } finally {
      // Only when an assertion failed midway: no node or supervisor left behind.
      for (const pid of childrenOf(s.pid)) process.kill(pid, "SIGKILL");
      s.signal("SIGKILL");
    }
  });
});
