// Diagnosis for the `traces` scenario: what one trace row and one session row cost on SQLite through the
// node's own Persistence (Prisma + @prisma/adapter-better-sqlite3), against better-sqlite3 used directly
// on the same schema (a prepared INSERT reused inside one transaction per batch).
//
//   npx tsx scripts/bench/persistence-micro.ts [rows=100000] [--json]
//
// Single process, no sockets: CPU microseconds per row and rows per second of one core.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { createLogger } from "../../server/logger";
import { parseDatabaseUrl } from "../../server/store/database-url";
import { applyMigrations } from "../../server/store/migrate";
import { Persistence } from "../../server/store/persistence";
import { TRACE_COLUMNS } from "../../server/store/trace-insert";
import { createPrismaClient } from "../../server/store/prisma-client";
import type { SessionRecord } from "../../server/store/records";
import type { TraceEvent } from "../../server/trace/trace-event";

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const JSON_OUT = process.argv.includes("--json");

export interface MicroResult {
  name: string;
  rows: number;
  wallMs: number;
  cpuUsPerRow: number;
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
  const types = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"];
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

/** DateTime as Prisma's SQLite adapter stores it (ISO text with an explicit offset), so rows stay readable by Prisma. */
function prismaDate(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

async function measure(name: string, rows: number, body: () => Promise<void> | void): Promise<MicroResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const r = { name, rows, wallMs, cpuUsPerRow: (cpu.user + cpu.system) / rows, rowsPerS: (rows / wallMs) * 1000 };
  if (!JSON_OUT)
    process.stdout.write(
      `${name.padEnd(64)} ${r.cpuUsPerRow.toFixed(2).padStart(8)} us CPU/row ${Math.round(r.rowsPerS).toLocaleString("en-US").padStart(10)} rows/s\n`,
    );
  return r;
}

const dir = mkdtempSync(join(os.tmpdir(), "switchyard-micro-"));
try {
  const target = parseDatabaseUrl(`file:${join(dir, "micro.db")}`);
  await applyMigrations(target);
  const persistence = new Persistence(createPrismaClient(target), target.dialect, createLogger("silent", "micro"), { flushMs: 3_600_000 });
  const results: MicroResult[] = [];

  // Warm up both paths (Prisma's query compiler, statement caches).
  persistence.accept(Array.from({ length: 2000 }, (_, i) => traceEvent(-1 - i)));
  await persistence.flush();

  results.push(
    await measure("traces: Persistence.accept + flush (Prisma raw multi-row INSERT)", ROWS, async () => {
      for (let i = 0; i < ROWS; i += 20_000) {
        persistence.accept(Array.from({ length: Math.min(20_000, ROWS - i) }, (_, k) => traceEvent(i + k)));
        await persistence.flush();
      }
    }),
  );
  const sessions = Math.max(1000, Math.floor(ROWS / 20));
  results.push(
    await measure("sessions: Persistence.saveSession + flush (Prisma delete+createMany)", sessions, async () => {
      for (let i = 0; i < sessions; i += 500) {
        for (let k = i; k < Math.min(sessions, i + 500); k++) persistence.saveSession(sessionRecord(k));
        await persistence.flush();
      }
    }),
  );
  await persistence.close();

  // better-sqlite3 directly, same file and schema (all indexes in place).
  const db = new Database(target.file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const cols = TRACE_COLUMNS;
  const insert = db.prepare(`INSERT INTO "Trace" (${cols.map((c) => `"${c}"`).join(",")}) VALUES (${cols.map(() => "?").join(",")})`);
  let seq = 10_000_000;
  const writeBatch = db.transaction((events: TraceEvent[]) => {
    for (const e of events) {
      insert.run(
        e.id,
        ++seq,
        e.trace_id,
        e.ts,
        e.node_id,
        e.kind,
        e.user_id ?? null,
        e.connection_id ?? null,
        e.message_type ?? null,
        e.handler ?? null,
        e.run_id ?? null,
        e.thread_id ?? null,
        e.duration_ms ?? null,
        e.error?.code ?? null,
        e.error?.message ?? null,
      );
    }
  });
  results.push(
    await measure("traces: better-sqlite3 prepared INSERT, one transaction per batch", ROWS, () => {
      for (let i = 0; i < ROWS; i += 2000) writeBatch(Array.from({ length: Math.min(2000, ROWS - i) }, (_, k) => traceEvent(ROWS + i + k)));
    }),
  );
  const sessionCols = [
    "id",
    "userId",
    "threadId",
    "nodeId",
    "status",
    "reasons",
    "details",
    "agentName",
    "agentVersion",
    "faults",
    "inbound",
    "events",
    "startedAt",
    "endedAt",
    "updatedAt",
  ];
  const upsert = db.prepare(
    `INSERT INTO "Session" (${sessionCols.map((c) => `"${c}"`).join(",")}) VALUES (${sessionCols.map(() => "?").join(",")}) ` +
      `ON CONFLICT("id") DO UPDATE SET ${sessionCols
        .slice(1)
        .map((c) => `"${c}"=excluded."${c}"`)
        .join(",")}`,
  );
  const writeSessions = db.transaction((list: SessionRecord[]) => {
    for (const s of list) {
      upsert.run(
        s.id,
        s.userId,
        s.threadId,
        s.nodeId,
        s.status,
        JSON.stringify(s.reasons),
        JSON.stringify(s.details),
        s.agentName,
        s.agentVersion,
        JSON.stringify(s.faults),
        JSON.stringify(s.inbound),
        JSON.stringify(s.events),
        prismaDate(s.startedAt),
        s.endedAt === null ? null : prismaDate(s.endedAt),
        prismaDate(s.updatedAt),
      );
    }
  });
  results.push(
    await measure("sessions: better-sqlite3 prepared UPSERT, one transaction per batch", sessions, () => {
      for (let i = 0; i < sessions; i += 500)
        writeSessions(Array.from({ length: Math.min(500, sessions - i) }, (_, k) => sessionRecord(sessions + i + k)));
    }),
  );
  db.close();
  if (JSON_OUT) process.stdout.write(JSON.stringify({ rows: ROWS, results }, null, 2) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
