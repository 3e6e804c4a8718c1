// The command line of `npm run bench` (see --help and docs/performance.md), and what one scenario run
// is given to measure.
import { parseArgs } from "node:util";
import type { GeneratorHandle } from "./lib/generator-process";
import type { ServerHandle } from "./lib/server-process";
import type { RunResult, Scenario } from "./report";

/** The options of one `npm run bench`, defaults applied (--quick changes some of them). */
export type BenchOptions = ReturnType<typeof parseBenchOptions>;

/** What a scenario's measurement gets: its progress tag, the result so far, a started server and generators. */
export interface RunContext {
  tag: string;
  base: RunResult;
  server: ServerHandle;
  gens: GeneratorHandle[];
  opts: BenchOptions;
}

const HELP = [
  "npm run bench -- [options]",
  "  --scenario ping|golden|multi|stream|idle|traces|all   (comma-separated list allowed; default all)",
  "  --duration <s>         measured seconds per run (default 4; --quick 2)",
  "  --warmup <s>           unmeasured seconds before each window (default 1.5; --quick 1)",
  "  --rounds <n>           A B pairs per scenario (default 1.5; --quick 1)",
  "  --connections <n>      connections for ping, golden and stream (default 100)",
  "  --inflight <n>         requests in flight per user (default 1)",
  "  --generators <n>       load generator processes for ping, golden and multi (default 1)",
  "  --users <n>            users for multi, two connections each (default 250; --quick 100)",
  "  --idle <n>             idle connections (default 15000; --quick 1000)",
  "  --idle-generators <n>  generator processes for idle (default: 5000 sockets each, at least 2)",
  "  --connect-concurrency <n>  handshakes in flight per generator while connecting (default 50)",
  "  --trace-rate <n>       offered trace events/s for the persistence test (default 50000)",
  "  --quiet-wait <s>       before each run, wait up to this long for other processes to go quiet (default 5; --quick 0)",
  "  --noisy-retries <n>    repeat a run when other processes used over --noisy-pct (default 40) % of a core during it (default 1; --quick 0)",
  "  --json                 print the results as JSON on stdout, progress on stderr (run it as `npm run -s bench -- --json`: npm prints its banner on stdout)",
  "  --out <file>           also write the JSON results to a file",
  "  --quick                short smoke run of every scenario (about a minute)",
  "  --no-persistence       diagnosis: B runs with its database writes stubbed out (not a valid comparison)",
  "  --profile              CPU-profile each server during the measured window (inspector) and list its hot functions",
  "",
];

function intOpt(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}\n`);
    process.exit(2);
  }
  return n;
}

/** Parses process.argv; prints the help or an error and exits when asked to or when an option is wrong. */
export function parseBenchOptions(all: readonly Scenario[]) {
  const { values: argv } = parseArgs({
    options: {
      scenario: { type: "string", default: "all" },
      duration: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      inflight: { type: "string" },
      generators: { type: "string" },
      users: { type: "string" },
      idle: { type: "string" },
      "idle-generators": { type: "string" },
      "connect-concurrency": { type: "string" },
      "trace-rate": { type: "string" },
      "quiet-wait": { type: "string" },
      "noisy-retries": { type: "string" },
      "noisy-pct": { type: "string" },
      json: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "no-persistence": { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (argv.help) {
    process.stdout.write(HELP.join("\n"));
    process.exit(0);
  }
  const quick = argv.quick;
  const opts = {
    scenarios: (argv.scenario === "all" ? [...all] : argv.scenario.split(",").map((s) => s.trim())) as Scenario[],
    durationS: intOpt("duration", argv.duration, quick ? 2 : 4, 0.5),
    warmupS: intOpt("warmup", argv.warmup, quick ? 1 : 1.5, 0),
    rounds: intOpt("rounds", argv.rounds, quick ? 1 : 2),
    connections: intOpt("connections", argv.connections, 100),
    inflight: intOpt("inflight", argv.inflight, 1),
    generators: intOpt("generators", argv.generators, 1),
    users: intOpt("users", argv.users, quick ? 100 : 250),
    idle: intOpt("idle", argv.idle, quick ? 1000 : 15_000),
    idleGenerators: argv["idle-generators"] ? intOpt("idle-generators", argv["idle-generators"], 2) : 0,
    connectConcurrency: intOpt("connect-concurrency", argv["connect-concurrency"], 50),
    traceRate: intOpt("trace-rate", argv["trace-rate"], 50_000),
    quietWaitS: intOpt("quiet-wait", argv["quiet-wait"], quick ? 0 : 5, 0),
    noisyRetries: intOpt("noisy-retries", argv["noisy-retries"], quick ? 0 : 1, 0),
    noisyPct: intOpt("noisy-pct", argv["noisy-pct"], 40, 0),
    json: argv.json,
    profile: argv.profile,
    noPersistence: argv["no-persistence"],
    quick,
    out: argv.out,
  };
  for (const s of opts.scenarios) {
    if (!all.includes(s)) {
      process.stderr.write(`unknown scenario "${s}" (${all.join(", ")}, all)\n`);
      process.exit(2);
    }
  }
  const idleGenerators = opts.idleGenerators || Math.max(2, Math.ceil(opts.idle / 5000));
  if (opts.idle / idleGenerators > 15_000) {
    process.stderr.write(
      `--idle ${opts.idle} over ${idleGenerators} generators exceeds 15,000 sockets per process (open-files limit 20,000)\n`,
    );
    process.exit(2);
  }
  return { ...opts, idleGenerators };
}
