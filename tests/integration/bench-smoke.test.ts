import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PG_ADMIN_URL } from "../support/postgres";
import { freePort } from "../support/free-port";
import { PrivateRedis } from "../support/private-redis";

const run = promisify(execFile);

interface BenchRun {
  scenario: string;
  target: "raw" | "switchyard";
  ok: boolean;
  floodMax?: { persistedPerS: number; dropped: number };
}
interface BenchJson {
  summaries: Record<
    string,
    {
      throughput?: { ratio: number };
      chunksPerS?: { ratio: number };
      rssPerConnKB?: { ratio: number };
      opened?: { raw: { median: number }; switchyard: { median: number } };
    }
  >;
  runs: BenchRun[];
}

// `npm run bench` in miniature: every scenario once against both real servers, with tiny windows. It
// checks that the benchmark runs to the end and reports what it should; never how fast anything is.
describe("npm run bench (smoke)", () => {
  it("runs every scenario against raw Socket.IO and Switchyard and reports the ratios", { timeout: 180_000 }, async () => {
    const { stdout } = await run(
      "npx",
      ["tsx", "scripts/bench/index.ts", "--quick", "--json", "--duration", "1", "--warmup", "0"].concat([
        "--idle",
        "200",
        "--users",
        "20",
        "--connections",
        "10",
        "--trace-rate",
        "5000",
      ]),
      { cwd: process.cwd(), maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NODE_ENV: "production" } },
    );
    const result = JSON.parse(stdout) as BenchJson;
    const done = result.runs.map((r) => `${r.scenario}:${r.target}:${r.ok}`);
    expect(done).toEqual([
      "ping:raw:true",
      "ping:switchyard:true",
      "golden:raw:true",
      "golden:switchyard:true",
      "multi:raw:true",
      "multi:switchyard:true",
      "stream:raw:true",
      "stream:switchyard:true",
      "idle:raw:true",
      "idle:switchyard:true",
      "traces:switchyard:true",
    ]);
    for (const scenario of ["ping", "golden", "multi"]) expect(result.summaries[scenario]?.throughput?.ratio).toBeGreaterThan(0);
    // A streamer run lasts longer than the smoke's one-second window on a busy machine: chunks flowed on both.
    expect(result.summaries.stream?.chunksPerS?.ratio).toBeGreaterThan(0);
    // Every idle socket connected on both servers, and the memory ratio is reported. Its value is a
    // measurement (with 200 sockets the RSS delta is within GC noise, even negative), so it is not asserted.
    expect(result.summaries.idle?.opened).toMatchObject({ raw: { median: 200 }, switchyard: { median: 200 } });
    expect(Number.isFinite(result.summaries.idle?.rssPerConnKB?.ratio)).toBe(true);
    const traces = result.runs.find((r) => r.scenario === "traces");
    expect(traces?.floodMax?.persistedPerS).toBeGreaterThan(0);
    expect(traces?.floodMax?.dropped).toBe(0);
  });

  it("npm run bench:cluster reports server CPU per run for one node, two split and two shared", { timeout: 180_000 }, async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    try {
      const { stdout } = await run(
        "npx",
        ["tsx", "scripts/bench/cluster-bench.ts", "--json", "--modes", "pg-1,split-2,cross-2", "--users", "4", "--rounds", "1"].concat([
          "--duration",
          "1",
          "--warmup",
          "0",
          "--quiet-wait",
          "0",
          "--redis",
          redis.url,
          "--pg",
          PG_ADMIN_URL.replace(/\/[^/]*$/, ""),
        ]),
        { cwd: process.cwd(), maxBuffer: 8 * 1024 * 1024, env: { ...process.env, NODE_ENV: "production" } },
      );
      const result = JSON.parse(stdout) as {
        runs: { mode: string; ok: boolean }[];
        summaries: { mode: string; serverCpuRatio?: number }[];
      };
      expect(result.runs.map((r) => `${r.mode}:${r.ok}`)).toEqual(["pg-1:true", "split-2:true", "cross-2:true"]);
      for (const s of result.summaries) expect(Number.isFinite(s.serverCpuRatio)).toBe(true);
    } finally {
      await redis.stop();
    }
  });

  it("npm run bench:agents runs its three scenarios against a real node and AG-UI agent", { timeout: 120_000 }, async () => {
    const { stdout } = await run(
      "npx",
      ["tsx", "scripts/bench/agents-bench.ts", "--json", "--users", "5", "--duration", "1", "--ttft-runs", "5", "--flood-rate", "500"],
      { cwd: process.cwd(), maxBuffer: 8 * 1024 * 1024, env: { ...process.env, NODE_ENV: "production" } },
    );
    const result = JSON.parse(stdout) as {
      stream: { chunks_per_s: number };
      ttft: { runs: number; via_switchyard_p50_ms: number };
      flood: { flood_run_ended: string; chunks_delivered_per_s: number };
    };
    expect(result.stream.chunks_per_s).toBeGreaterThan(0);
    expect(result.ttft).toMatchObject({ runs: 5 });
    expect(Number.isFinite(result.ttft.via_switchyard_p50_ms)).toBe(true);
    expect(result.flood.flood_run_ended).toBe("completed");
    expect(result.flood.chunks_delivered_per_s).toBeGreaterThan(0);
  });

  it("npm run bench:transports runs the golden path over Socket.IO, /ws and AG-UI SSE", { timeout: 120_000 }, async () => {
    const { stdout } = await run(
      "npx",
      ["tsx", "scripts/bench/transports-bench.ts", "--json", "--users", "3", "--duration", "1", "--runs", "5"],
      {
        cwd: process.cwd(),
        maxBuffer: 8 * 1024 * 1024,
        env: { ...process.env, NODE_ENV: "production" },
      },
    );
    const result = JSON.parse(stdout) as Record<string, { load?: { runs_per_s: number }; single?: { p50_ms: number } }>;
    for (const t of ["socket.io", "websocket", "sse"]) {
      expect(result[t]?.load?.runs_per_s).toBeGreaterThan(0);
      expect(Number.isFinite(result[t]?.single?.p50_ms)).toBe(true);
    }
  });
});
