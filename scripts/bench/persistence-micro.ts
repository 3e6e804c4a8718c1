// Diagnosis for the `traces` scenario: what one trace row and one session row cost on SQLite through the
// node's own Persistence (writer thread with prepared better-sqlite3 statements), through the Prisma
// writer it replaced (Prisma + @prisma/adapter-better-sqlite3 on the router's thread), and through the
// same prepared statements called directly on this thread.
//
//   npx tsx scripts/bench/persistence-micro.ts [rows=100000] [--json]
//
// Single process, no sockets: CPU microseconds per row (all threads, and the main thread alone, which
// is what the router pays) and rows per second.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { GOLDEN_PATH, type TraceEvent } from "../../contract";
import { createLogger } from "../../server/logger";
import { parseDatabaseUrl } from "../../server/store/database-url";
import { applyMigrations } from "../../server/store/migrate";
import { openPersistence } from "../../server/store/open-persistence";
import { Persistence } from "../../server/store/persistence";
import { PrismaBatchWriter } from "../../server/store/prisma-batch-writer";
import { createPrismaClient } from "../../server/store/prisma-client";
import type { SessionRecord } from "../../server/store/records";
import { SqliteStatements } from "../../server/store/sqlite-statements";
import { mainThreadCpuUs } from "./lib/cpu-sampler";

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const JSON_OUT = process.argv.includes("--json");

export interface MicroResult {
  name: string;
  rows: number;
  wallMs: number;
  cpuUsPerRow: number;
  /** CPU of the main thread alone (what the router's event loop pays). */
  mainThreadUsPerRow: number;
  rowsPerS: number;
}

function traceEvent(i: number): TraceEvent {
  return {
    id: `bench.${i.toString(36)}`,
    trace_id: `t-${(i >> 4).toString(36)}`,
    ts: Date.now(),
    node_id: "bench-node",
    kind: "delivered",
    user_id: `user-${i % 100}`,
    connection_id: "conn_00000000-0000-4000-8000-000000000000",
    message_type: "agent_thinking",
    run_id: `run_${(i >> 4).toString(36)}`,
    thread_id: "thr_00000000-0000-4000-8000-000000000000",
  };
}

/** A golden-path session as the recorder keeps it: one inbound message, five events, one delivery each. */
function sessionRecord(i: number): SessionRecord {
  const now = Date.now();
  const types = GOLDEN_PATH;
  return {
    id: `run_bench_${i}`,
    userId: `user-${i % 100}`,
    threadId: "thr_00000000-0000-4000-8000-000000000000",
    nodeId: "bench-node",
    status: "passed",
    reasons: [],
    details: [],
    agentName: "assistant",
    agentVersion: "1.0.0",
    agentKind: "builtin",
    ttftMs: null,
    chunks: 0,
    faults: {},
    inbound: [{ type: "user_message", message_id: `m-${i}`, payload: { content: "what is 2+2" }, at_ms: 0 }],
    events: types.map((type, k) => ({
      type,
      seq: k + 1,
      payload: { note: "2+2 = 4.", step_number: 1 },
      emitted_at_ms: k,
      deliveries: [{ connection_id: "conn_00000000-0000-4000-8000-000000000000", delivered: true }],
    })),
    startedAt: now,
    endedAt: now + 2,
    updatedAt: now + 2,
  };
}

async function measure(name: string, rows: number, body: () => Promise<void> | void): Promise<MicroResult> {
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  const t0 = performance.now();
  await body();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const r = {
    name,
    rows,
    wallMs,
    cpuUsPerRow: (cpu.user + cpu.system) / rows,
    mainThreadUsPerRow: (mainThreadCpuUs() - main0) / rows,
    rowsPerS: (rows / wallMs) * 1000,
  };
  if (!JSON_OUT)
    process.stdout.write(
      `${name.padEnd(66)} ${r.cpuUsPerRow.toFixed(2).padStart(7)} us CPU/row (main thread ${r.mainThreadUsPerRow.toFixed(2).padStart(6)}) ${Math.round(r.rowsPerS).toLocaleString("en-US").padStart(9)} rows/s\n`,
    );
  return r;
}

/** Drives a Persistence the way the tracer and the session recorder do: accept/save, then flush. */
async function measurePersistence(label: string, persistence: Persistence, results: MicroResult[]): Promise<void> {
  // Warm-up (statement caches, Prisma's query compiler).
  persistence.accept(Array.from({ length: 2000 }, (_, i) => traceEvent(-1 - i - results.length * 10_000)));
  await persistence.flush();
  const base = results.length * ROWS * 2;
  results.push(
    await measure(`traces: ${label}`, ROWS, async () => {
      for (let i = 0; i < ROWS; i += 20_000) {
        persistence.accept(Array.from({ length: Math.min(20_000, ROWS - i) }, (_, k) => traceEvent(base + i + k)));
        await persistence.flush();
      }
    }),
  );
  results.push(
    await measure(`sessions: ${label}`, SESSIONS, async () => {
      for (let i = 0; i < SESSIONS; i += 500) {
        for (let k = i; k < Math.min(SESSIONS, i + 500); k++) persistence.saveSession(sessionRecord(base + k));
        await persistence.flush();
      }
    }),
  );
  await persistence.close();
}

const SESSIONS = Math.max(1000, Math.floor(ROWS / 20));
const dir = mkdtempSync(join(os.tmpdir(), "switchyard-micro-"));
try {
  const target = parseDatabaseUrl(`file:${join(dir, "micro.db")}`);
  await applyMigrations(target);
  const logger = createLogger("silent", "micro");
  const results: MicroResult[] = [];
  await measurePersistence("Persistence, SQLite writer thread", openPersistence(target, logger, { flushMs: 3_600_000 }), results);
  const prisma = createPrismaClient(target);
  await measurePersistence(
    "Persistence, Prisma writer",
    new Persistence(prisma, new PrismaBatchWriter(prisma, "sqlite"), logger, { flushMs: 3_600_000 }),
    results,
  );

  // The writer thread's statements called on this thread: the database's own cost.
  const db = new Database(target.file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const statements = new SqliteStatements(db);
  const nothing = { threads: [], messages: [], sessions: [] };
  results.push(
    await measure("traces: SqliteStatements on this thread", ROWS, () => {
      for (let i = 0; i < ROWS; i += 2000)
        statements.write({ ...nothing, traces: Array.from({ length: Math.min(2000, ROWS - i) }, (_, k) => traceEvent(ROWS * 10 + i + k)) });
    }),
  );
  results.push(
    await measure("sessions: SqliteStatements on this thread", SESSIONS, () => {
      for (let i = 0; i < SESSIONS; i += 500)
        statements.write({
          threads: [],
          messages: [],
          traces: [],
          sessions: Array.from({ length: Math.min(500, SESSIONS - i) }, (_, k) => sessionRecord(ROWS * 10 + i + k)),
        });
    }),
  );
  db.close();
  if (JSON_OUT) process.stdout.write(JSON.stringify({ rows: ROWS, results }, null, 2) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
