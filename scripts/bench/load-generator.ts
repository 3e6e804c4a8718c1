// One closed-loop load generator process (forked by scripts/bench/index.ts). It opens its share of
// Socket.IO connections (websocket transport), waits for `connection_established` on each, then keeps
// `inflight` requests outstanding per user until told to stop, timing every request:
//   ping    emit {type:"ping"} -> ack                              (the `pong` event is counted)
//   golden  emit user_message -> ack (run_id) -> agent_completed    (on the user's one connection)
//   multi   as golden, user has two connections, requests alternate between them, and a request is done
//           when agent_completed reached both; every run's five events must arrive in seq order on both
//   idle    connect only
// Only the orchestrator decides when the measured window starts ("mark") and ends ("stop").
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { Histogram } from "./histogram";
import { signToken } from "./token";
import { GOLDEN_CONTENT, GOLDEN_EVENTS, type FromGenerator, type GeneratorPlan, type ToGenerator } from "./protocol";

interface ServerEvent {
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
  userId: string;
  conns: Socket[];
  threadId?: string;
  inflight: number;
  next: number;
}

interface Pending {
  unit: Unit;
  start: number;
  done: boolean;
  acked: boolean;
  runId?: string;
  /** Last seq seen per connection of the unit; agent_completed receptions. */
  lastSeq: number[];
  completions: number;
  bad: boolean;
}

const LAST_SEQ = GOLDEN_EVENTS.length;

function post(msg: FromGenerator): void {
  if (process.connected) process.send!(msg);
}

let plan: GeneratorPlan;
const units: Unit[] = [];
const sockets: Socket[] = [];
const pending = new Set<Pending>();
const runs = new Map<string, Pending>();
/** Run events that arrived before their ack (the ack carries the run_id). */
const early = new Map<string, { ci: number; evt: ServerEvent }[]>();
let running = false;
let measuring = false;
let markAt = 0;
let markCpu = process.cpuUsage();
const latency = new Histogram();
const counters = { completed: 0, events: 0, errors: 0, timeouts: 0, badRuns: 0, disconnects: 0 };
const errorCodes: Record<string, number> = {};
const progress = { completed: 0, events: 0, errors: 0 };

// ---------------- connecting ----------------

async function connectAll(p: GeneratorPlan): Promise<void> {
  plan = p;
  const userCount = Math.ceil(p.connections / p.connsPerUser);
  const tokens: string[] = [];
  for (let u = 0; u < userCount; u++) {
    const userId = `${p.userPrefix}${p.userOffset + u}`;
    tokens.push(signToken(userId));
    units.push({ userId, conns: [], inflight: 0, next: 0 });
  }
  const connectLatency = new Histogram();
  const failures: Record<string, number> = {};
  let failed = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < p.connections) {
      const i = nextIndex++;
      const unit = units[Math.floor(i / p.connsPerUser)]!;
      const ci = i % p.connsPerUser;
      const started = performance.now();
      try {
        const socket = await openSocket(p.url, tokens[Math.floor(i / p.connsPerUser)]!, unit, ci);
        connectLatency.recordMs(performance.now() - started);
        progress.completed++;
        unit.conns[ci] = socket;
        sockets.push(socket);
      } catch (err) {
        failed++;
        const m = (err as Error).message || "error";
        failures[m] = (failures[m] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.connectConcurrency, p.connections) }, worker));
  post({
    type: "connected",
    report: {
      opened: sockets.length,
      failed,
      failures,
      wallMs: performance.now() - t0,
      latency: connectLatency.toJSON(),
      cpu: process.cpuUsage(cpu0),
    },
  });
}

function openSocket(url: string, tok: string, unit: Unit, ci: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: { token: tok },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 30_000,
    });
    let established = false;
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("connect timeout (30 s)"));
    }, 30_000);
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.on("disconnect", () => {
      if (established && running) counters.disconnects++;
    });
    socket.on("event", (evt: ServerEvent) => {
      if (!established) {
        if (evt.type === "connection_established") {
          established = true;
          clearTimeout(timer);
          resolve(socket);
        }
        return;
      }
      onEvent(unit, ci, evt);
    });
  });
}

// ---------------- the closed loop ----------------

function issue(unit: Unit): void {
  if (!running || unit.conns.length === 0 || unit.conns.includes(undefined as unknown as Socket)) return;
  const socket = unit.conns[unit.next++ % unit.conns.length]!;
  const p: Pending = {
    unit,
    start: performance.now(),
    done: false,
    acked: false,
    lastSeq: unit.conns.map(() => 0),
    completions: 0,
    bad: false,
  };
  unit.inflight++;
  pending.add(p);
  if (plan.scenario === "ping") {
    socket.emit("message", { type: "ping" }, (ack: Ack) => {
      if (p.done) return;
      if (!ack?.ok) countError(ack);
      finish(p, !!ack?.ok);
    });
    return;
  }
  const envelope: Record<string, unknown> = { type: "user_message", payload: { content: GOLDEN_CONTENT } };
  if (unit.threadId) envelope.thread_id = unit.threadId;
  socket.emit("message", envelope, (ack: Ack) => {
    if (p.done) return;
    if (!ack?.ok || !ack.run_id) {
      countError(ack);
      finish(p, false);
      return;
    }
    if (!unit.threadId && ack.thread_id) unit.threadId = ack.thread_id;
    p.acked = true;
    p.runId = ack.run_id;
    runs.set(ack.run_id, p);
    const before = early.get(ack.run_id);
    if (before) {
      early.delete(ack.run_id);
      for (const e of before) onRunEvent(p, e.ci, e.evt);
    }
  });
}

function countError(ack: Ack | undefined): void {
  if (!measuring) return;
  counters.errors++;
  progress.errors++;
  const code = ack?.error?.code ?? "NO_ACK";
  errorCodes[code] = (errorCodes[code] ?? 0) + 1;
}

function onEvent(unit: Unit, ci: number, evt: ServerEvent): void {
  if (plan.scenario === "ping") {
    if (evt.type === "pong") {
      progress.events++;
      if (measuring) counters.events++;
    }
    return;
  }
  if (!evt.run_id) return;
  progress.events++;
  if (measuring) counters.events++;
  const p = runs.get(evt.run_id);
  if (!p) {
    // Not acked yet (or already timed out: then it is dropped when the ack never comes).
    let list = early.get(evt.run_id);
    if (!list) early.set(evt.run_id, (list = []));
    if (list.length < 64) list.push({ ci, evt });
    return;
  }
  onRunEvent(p, ci, evt);
}

function onRunEvent(p: Pending, ci: number, evt: ServerEvent): void {
  if (p.done) return;
  if (evt.seq !== (p.lastSeq[ci] ?? 0) + 1) p.bad = true;
  p.lastSeq[ci] = evt.seq ?? -1;
  if (evt.type === "agent_completed") {
    p.completions++;
    if (p.completions >= p.unit.conns.length) {
      if (p.lastSeq.some((s) => s !== LAST_SEQ)) p.bad = true;
      if (p.bad && measuring) counters.badRuns++;
      finish(p, true);
    }
  } else if (evt.type === "agent_error") {
    p.bad = true;
    if (measuring) counters.badRuns++;
    finish(p, false);
  }
}

function finish(p: Pending, ok: boolean): void {
  p.done = true;
  pending.delete(p);
  if (p.runId) runs.delete(p.runId);
  p.unit.inflight--;
  if (ok) {
    progress.completed++;
    if (measuring) {
      counters.completed++;
      latency.recordMs(performance.now() - p.start);
    }
  }
  issue(p.unit);
}

function sweepTimeouts(): void {
  const now = performance.now();
  for (const p of pending) {
    if (now - p.start < plan.requestTimeoutMs) continue;
    if (measuring) counters.timeouts++;
    p.done = true;
    pending.delete(p);
    if (p.runId) runs.delete(p.runId);
    p.unit.inflight--;
    issue(p.unit);
  }
  // Early events whose ack never came (timed-out requests) would otherwise stay forever.
  if (early.size > 10_000) early.clear();
}

function start(): void {
  running = true;
  for (const unit of units) for (let i = 0; i < plan.inflight; i++) issue(unit);
  setInterval(sweepTimeouts, 1000).unref();
}

// Progress every second (connections opened while connecting, then requests completed).
setInterval(() => {
  post({ type: "progress", ...progress });
  progress.completed = progress.events = progress.errors = 0;
}, 1000).unref();

function mark(): void {
  latency.reset();
  for (const k of Object.keys(counters) as (keyof typeof counters)[]) counters[k] = 0;
  for (const k of Object.keys(errorCodes)) delete errorCodes[k];
  measuring = true;
  markAt = performance.now();
  markCpu = process.cpuUsage();
}

function stop(): void {
  const windowMs = measuring ? performance.now() - markAt : 0;
  const cpu = process.cpuUsage(markCpu);
  measuring = false;
  running = false;
  post({
    type: "stopped",
    report: {
      windowMs,
      ...counters,
      errorCodes: { ...errorCodes },
      latency: latency.toJSON(),
      cpu,
      rssBytes: process.memoryUsage().rss,
    },
  });
}

function exit(): void {
  running = false;
  for (const s of sockets) s.close();
  setTimeout(() => process.exit(0), 50);
}

process.on("message", (msg: ToGenerator) => {
  switch (msg.type) {
    case "connect":
      connectAll(msg.plan).catch((err: unknown) => post({ type: "error", message: String((err as Error)?.stack ?? err) }));
      break;
    case "start":
      start();
      break;
    case "mark":
      mark();
      break;
    case "stop":
      stop();
      break;
    case "exit":
      exit();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
post({ type: "hello", pid: process.pid });
