// Closed-loop golden-path load generator for scripts/bench/cluster-bench.ts (forked, IPC). Like
// load-generator.ts, but every user's connections may sit on different nodes: user u opens one
// connection per entry of `plan.urls` (connection i to urls[i]; with `plan.splitUsers` instead one
// connection, to urls[u % urls.length]). A request is always sent on the user's first connection
// (user_message -> ack with run_id) and is done when agent_completed reached EVERY connection of the
// user, with the five run events in seq order on each (else it counts as a bad run).
// Speaks the ToGenerator / FromGenerator messages of protocol.ts.
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { Histogram } from "./histogram";
import { GOLDEN_CONTENT, GOLDEN_EVENTS, type FromGenerator } from "./protocol";
import { signToken } from "./token";

export interface ClusterPlan {
  urls: string[];
  /** true: one connection per user, users spread over urls; false: each user connects to every url. */
  splitUsers: boolean;
  users: number;
  userPrefix: string;
  inflight: number;
  connectConcurrency: number;
  requestTimeoutMs: number;
}
export type ToClusterGenerator =
  { type: "connect"; plan: ClusterPlan } | { type: "start" } | { type: "mark" } | { type: "stop" } | { type: "exit" };

interface Evt {
  type: string;
  run_id?: string;
  seq?: number;
}
interface Ack {
  ok: boolean;
  run_id?: string;
  thread_id?: string;
  error?: { code?: string };
}
interface Unit {
  conns: Socket[];
  threadId?: string;
}
interface Pending {
  unit: Unit;
  start: number;
  runId?: string;
  lastSeq: number[];
  completions: number;
  bad: boolean;
  done: boolean;
}

const LAST = GOLDEN_EVENTS.length;
const post = (m: FromGenerator) => process.connected && process.send!(m);
let plan: ClusterPlan;
const units: Unit[] = [];
const sockets: Socket[] = [];
const pending = new Set<Pending>();
const runs = new Map<string, Pending>();
const early = new Map<string, { ci: number; evt: Evt }[]>();
let running = false;
let measuring = false;
let markAt = 0;
let markCpu = process.cpuUsage();
const latency = new Histogram();
const c = { completed: 0, events: 0, errors: 0, timeouts: 0, badRuns: 0, disconnects: 0 };
const errorCodes: Record<string, number> = {};
const progress = { completed: 0, events: 0, errors: 0 };

function open(url: string, token: string, unit: Unit, ci: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true, timeout: 30_000 });
    let up = false;
    const timer = setTimeout(() => (s.close(), reject(new Error("connect timeout"))), 30_000);
    s.once("connect_error", (e) => (clearTimeout(timer), s.close(), reject(e)));
    s.on("disconnect", () => up && running && c.disconnects++);
    s.on("event", (evt: Evt) => {
      if (!up) {
        if (evt.type === "connection_established") {
          up = true;
          clearTimeout(timer);
          resolve(s);
        }
        return;
      }
      onEvent(unit, ci, evt);
    });
  });
}

async function connectAll(p: ClusterPlan): Promise<void> {
  plan = p;
  const jobs: { unit: Unit; ci: number; url: string; token: string }[] = [];
  for (let u = 0; u < p.users; u++) {
    const unit: Unit = { conns: [] };
    units.push(unit);
    const token = signToken(`${p.userPrefix}${u}`);
    const urls = p.splitUsers ? [p.urls[u % p.urls.length]!] : p.urls;
    urls.forEach((url, ci) => jobs.push({ unit, ci, url, token }));
  }
  const lat = new Histogram();
  const failures: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      const t = performance.now();
      try {
        const s = await open(j.url, j.token, j.unit, j.ci);
        lat.recordMs(performance.now() - t);
        j.unit.conns[j.ci] = s;
        sockets.push(s);
        progress.completed++;
      } catch (e) {
        failed++;
        const m = (e as Error).message || "error";
        failures[m] = (failures[m] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.connectConcurrency, jobs.length) }, worker));
  post({
    type: "connected",
    report: {
      opened: sockets.length,
      failed,
      failures,
      wallMs: performance.now() - t0,
      latency: lat.toJSON(),
      cpu: process.cpuUsage(cpu0),
    },
  });
}

function issue(unit: Unit): void {
  if (!running || unit.conns.length === 0 || unit.conns.some((s) => !s)) return;
  const p: Pending = { unit, start: performance.now(), lastSeq: unit.conns.map(() => 0), completions: 0, bad: false, done: false };
  pending.add(p);
  const env: Record<string, unknown> = { type: "user_message", payload: { content: GOLDEN_CONTENT } };
  if (unit.threadId) env.thread_id = unit.threadId;
  unit.conns[0]!.emit("message", env, (ack: Ack) => {
    if (p.done) return;
    if (!ack?.ok || !ack.run_id) {
      if (measuring) {
        c.errors++;
        const code = ack?.error?.code ?? "NO_ACK";
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
      return finish(p, false);
    }
    unit.threadId ??= ack.thread_id;
    p.runId = ack.run_id;
    runs.set(ack.run_id, p);
    const before = early.get(ack.run_id);
    if (before) {
      early.delete(ack.run_id);
      for (const e of before) onRunEvent(p, e.ci, e.evt);
    }
  });
}

function onEvent(_unit: Unit, ci: number, evt: Evt): void {
  if (!evt.run_id) return;
  progress.events++;
  if (measuring) c.events++;
  const p = runs.get(evt.run_id);
  if (!p) {
    let list = early.get(evt.run_id);
    if (!list) early.set(evt.run_id, (list = []));
    if (list.length < 64) list.push({ ci, evt });
    return;
  }
  onRunEvent(p, ci, evt);
}

function onRunEvent(p: Pending, ci: number, evt: Evt): void {
  if (p.done) return;
  if (evt.seq !== (p.lastSeq[ci] ?? 0) + 1) p.bad = true;
  p.lastSeq[ci] = evt.seq ?? -1;
  if (evt.type === "agent_completed") {
    if (++p.completions < p.unit.conns.length) return;
    if (p.lastSeq.some((s) => s !== LAST)) p.bad = true;
    if (p.bad && measuring) c.badRuns++;
    finish(p, true);
  } else if (evt.type === "agent_error") {
    if (measuring) c.badRuns++;
    finish(p, false);
  }
}

function finish(p: Pending, ok: boolean): void {
  p.done = true;
  pending.delete(p);
  if (p.runId) runs.delete(p.runId);
  if (ok) {
    progress.completed++;
    if (measuring) {
      c.completed++;
      latency.recordMs(performance.now() - p.start);
    }
  }
  issue(p.unit);
}

function sweep(): void {
  const now = performance.now();
  for (const p of pending) {
    if (now - p.start < plan.requestTimeoutMs) continue;
    if (measuring) c.timeouts++;
    p.done = true;
    pending.delete(p);
    if (p.runId) runs.delete(p.runId);
    issue(p.unit);
  }
  if (early.size > 10_000) early.clear();
}

setInterval(() => {
  post({ type: "progress", ...progress });
  progress.completed = progress.events = progress.errors = 0;
}, 1000).unref();

process.on("message", (msg: ToClusterGenerator) => {
  switch (msg.type) {
    case "connect":
      connectAll(msg.plan).catch((e: unknown) => post({ type: "error", message: String((e as Error)?.stack ?? e) }));
      break;
    case "start":
      running = true;
      for (const u of units) for (let i = 0; i < plan.inflight; i++) issue(u);
      setInterval(sweep, 1000).unref();
      break;
    case "mark":
      latency.reset();
      for (const k of Object.keys(c) as (keyof typeof c)[]) c[k] = 0;
      for (const k of Object.keys(errorCodes)) delete errorCodes[k];
      measuring = true;
      markAt = performance.now();
      markCpu = process.cpuUsage();
      break;
    case "stop": {
      const windowMs = measuring ? performance.now() - markAt : 0;
      measuring = running = false;
      post({
        type: "stopped",
        report: {
          windowMs,
          ...c,
          errorCodes: { ...errorCodes },
          latency: latency.toJSON(),
          cpu: process.cpuUsage(markCpu),
          rssBytes: process.memoryUsage().rss,
        },
      });
      break;
    }
    case "exit":
      running = false;
      for (const s of sockets) s.close();
      setTimeout(() => process.exit(0), 50);
      break;
  }
});
process.on("disconnect", () => process.exit(0));
post({ type: "hello", pid: process.pid });
