// What the operator filter indexes (migration 0005) cost trace writes: trace rows persisted
// per second, and CPU per row, through the node's own Persistence, on a database built by every
// migration with none, each one, or all of the indexes of migration 0005 kept. SQLite always;
// PostgreSQL when reachable.
//
//   npx tsx scripts/bench/trace-index-cost.ts [rows=100000] [--runs=2] [--pg=postgresql://postgres@127.0.0.1:5432/postgres]
//
// Each run: a fresh database, PRELOAD rows written untimed (the indexes are not empty in production),
// then `rows` rows timed in flushes of 20,000, as the tracer hands them over.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import pg from "pg";
import { TRACE_KINDS, type TraceEvent } from "../../contract";
import { createLogger } from "../../server/logger";
import { type DatabaseTarget, parseDatabaseUrl } from "../../server/store/database-url";
import { applyMigrations, migrationFiles } from "../../server/store/migrate";
import { openPersistence } from "../../server/store/open-persistence";

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 2);
const PG_ADMIN = process.argv.find((a) => a.startsWith("--pg="))?.slice(5) ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const PRELOAD = 50_000;
const FLUSH_ROWS = 20_000;
const TYPES = ["user_message", "agent_thinking", "agent_response", "ping", "start_agent", "get_thread_history"];

let counter = 0;
function traceEvent(): TraceEvent {
  const i = counter++;
  return {
    id: `idx.${i.toString(36)}`,
    trace_id: `t-${(i >> 3).toString(36)}`,
    ts: Date.now(),
    node_id: `node-${i % 3}`,
    kind: TRACE_KINDS[i % TRACE_KINDS.length]!,
    user_id: `user-${i % 1000}`,
    connection_id: `conn_${i % 5000}`,
    message_type: TYPES[i % TYPES.length]!,
    run_id: `run_${(i >> 4).toString(36)}`,
    thread_id: `thr_${(i >> 6).toString(36)}`,
  };
}

/** The migration whose indexes are measured. */
const MIGRATION = "0005_operator_filter_indexes";

/** The trace indexes that migration creates, by name. */
function measuredIndexes(dialect: "sqlite" | "postgres"): string[] {
  const migration = migrationFiles(dialect).find((m) => m.name === MIGRATION)!;
  return [...migration.sql.matchAll(/CREATE INDEX "([^"]+)"/g)].map((m) => m[1]!);
}

async function dropIndexes(target: DatabaseTarget, names: string[]): Promise<void> {
  if (target.dialect === "sqlite") {
    const db = new Database(target.file);
    for (const n of names) db.exec(`DROP INDEX "${n}"`);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  for (const n of names) await client.query(`DROP INDEX "${n}"`);
  await client.end();
}

async function write(target: DatabaseTarget, rows: number): Promise<void> {
  const persistence = openPersistence(target, createLogger("silent", "index-cost"), { flushMs: 3_600_000 });
  for (let i = 0; i < rows; i += FLUSH_ROWS) {
    persistence.accept(Array.from({ length: Math.min(FLUSH_ROWS, rows - i) }, traceEvent));
    await persistence.flush();
  }
  await persistence.close();
}

interface Fresh {
  target: DatabaseTarget;
  drop: () => Promise<void>;
}

/** Rows per second and CPU per row (all threads: the writer's too) of one run on a fresh database. */
async function run(fresh: () => Promise<Fresh>, kept: string[]): Promise<{ rowsPerS: number; cpuUs: number }> {
  const { target, drop } = await fresh();
  try {
    await applyMigrations(target);
    await dropIndexes(
      target,
      measuredIndexes(target.dialect).filter((n) => !kept.includes(n)),
    );
    await write(target, PRELOAD);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await write(target, ROWS);
    const cpu = process.cpuUsage(cpu0);
    return { rowsPerS: (ROWS / (performance.now() - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / ROWS };
  } finally {
    await drop();
  }
}

/**
 * Every variant `RUNS` times, interleaved (none of 0005's indexes, each alone, all): the best
 * rows/s and the lowest CPU per row of each. On PostgreSQL the CPU is this process's (Prisma), not the server's.
 */
async function compare(label: string, dialect: "sqlite" | "postgres", fresh: () => Promise<Fresh>): Promise<void> {
  const names = measuredIndexes(dialect);
  const variants: [string, string[]][] = [
    ["none of them", []],
    ...names.map((n): [string, string[]] => [`only ${n}`, [n]]),
    ["all of them", names],
  ];
  const results = variants.map(() => ({ rowsPerS: 0, cpuUs: Infinity }));
  for (let r = 0; r < RUNS; r++)
    for (const [i, [, kept]] of variants.entries()) {
      const one = await run(fresh, kept);
      results[i]!.rowsPerS = Math.max(results[i]!.rowsPerS, one.rowsPerS);
      results[i]!.cpuUs = Math.min(results[i]!.cpuUs, one.cpuUs);
    }
  const base = results[0]!;
  for (const [i, [name]] of variants.entries()) {
    const r = results[i]!;
    const slower = (1 - r.rowsPerS / base.rowsPerS) * 100;
    process.stdout.write(
      `${label.padEnd(10)} ${name.padEnd(34)} ${Math.round(r.rowsPerS).toLocaleString("en-US").padStart(7)} rows/s (${slower.toFixed(1).padStart(5)}% slower), ` +
        `${r.cpuUs.toFixed(1).padStart(5)} us CPU/row (+${(((r.cpuUs - base.cpuUs) / base.cpuUs) * 100).toFixed(1)}%)\n`,
    );
  }
}

const dir = mkdtempSync(join(os.tmpdir(), "switchyard-index-cost-"));
try {
  let n = 0;
  await compare("SQLite", "sqlite", async () => {
    const file = join(dir, `run-${n++}.db`);
    return {
      target: parseDatabaseUrl(`file:${file}`),
      drop: async () => ["", "-wal", "-shm"].forEach((s) => rmSync(file + s, { force: true })),
    };
  });
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  const reachable = await admin.connect().then(
    () => true,
    () => false,
  );
  if (!reachable) process.stdout.write(`PostgreSQL at ${PG_ADMIN} not reachable: skipped\n`);
  else
    await compare("PostgreSQL", "postgres", async () => {
      const name = `switchyard_index_cost_${process.pid}_${n++}`;
      const url = new URL(PG_ADMIN);
      url.pathname = `/${name}`;
      return {
        target: parseDatabaseUrl(url.toString()),
        drop: () => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
      };
    });
  await admin.end().catch(() => undefined);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
