import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { craftJwt } from "../../support/jwt";
import { spawnChildNode } from "../../support/spawn-child-node";
import { testNodeEnv } from "../../support/test-node";

const STDERR_TAIL = 4_000;

/** A Switchyard node running in a child process (child-node.ts), as the attack suite sees it from outside. */
export interface NodeProcess {
  url: string;
  pid: number;
  dataDir: string;
  /** True once the process has exited (crashed, or stopped). */
  exited(): boolean;
  /** The last few KB the node wrote to stderr (a crash's reason). */
  stderrTail(): string;
  /** A token signed with the node's secret, valid for an hour. */
  token(sub: string, role?: "user" | "operator"): string;
  /** The status of GET /api/health (0 when the request fails). */
  health(): Promise<number>;
  /** GETs an operator API path with an operator token and returns its JSON body. */
  api<T>(path: string): Promise<T>;
  /** SIGTERM, then SIGKILL after 10 s; removes the data directory unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A process's resident set size in bytes, from /proc/<pid>/status (VmRSS); null once it has gone. */
export const readRss = (pid: number) => readStatus(pid, "VmRSS");

/** A process's peak RSS in bytes since it started or since resetPeakRss (VmHWM); null once it has gone. */
export const readPeakRss = (pid: number) => readStatus(pid, "VmHWM");

/** Resets a process's peak RSS (VmHWM) to its current RSS (Linux: "5" to /proc/<pid>/clear_refs). */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Gone, or not allowed: the sampled peak still counts.
  }
}

function readStatus(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts a node as `node --import tsx child-node.ts` with its own SQLite file under `dataDir` (a new
 * temporary directory unless given), NODE_ENV=production, the test secret, and `env` on top.
 */
export async function startNodeProcess(env: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<NodeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "switchyard-attack-"));
  const { child, listening } = spawnChildNode(
    { ...testNodeEnv(dataDir), NODE_ENV: "production", LOG_LEVEL: "warn", ...env },
    { nodeArgs: ["--expose-gc"], stderr: "pipe" },
  );
  let stderr = "";
  let exited = false;
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const url = await listening.catch((err: Error) => {
    throw new Error(`${err.message}: ${stderr}`);
  });
  const token = (sub: string, role: "user" | "operator" = "user") =>
    craftJwt({ alg: "HS256", typ: "JWT" }, { sub, role, exp: Math.floor(Date.now() / 1000) + 3600 });
  return {
    url,
    pid: child.pid!,
    dataDir,
    exited: () => exited,
    stderrTail: () => stderr,
    token,
    async health() {
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    },
    async api<T>(path: string) {
      const res = await fetch(url + path, { headers: { Authorization: `Bearer ${token("attack-ops", "operator")}` } });
      if (!res.ok) throw new Error(`GET ${path} -> ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    async stop({ keepData = false } = {}) {
      if (!exited) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exit;
        clearTimeout(killer);
      }
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
