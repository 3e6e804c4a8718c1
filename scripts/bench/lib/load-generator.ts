// One closed-loop load generator process (forked by scripts/bench/index.ts and cluster-bench.ts). It
// opens its users' Socket.IO connections (websocket transport) to one target or spread over several
// (see GeneratorPlan), waits for `connection_established` on each, then keeps `inflight` requests
// outstanding per user until told to stop, timing every request:
//   ping    emit {type:"ping"} -> ack                              (the `pong` event is counted)
//   golden  emit user_message -> ack (run_id) -> agent_completed    (on the user's one connection)
//   multi   as golden, user has several connections, requests go to one of them (rotating, or always the
//           first), and a request is done when agent_completed reached all of them; every run's five
//           events must arrive in seq order on each (else it counts as a bad run)
//   stream  emit start_agent (agent `streamer`) -> ack (run_id) -> agent_completed; the run's events (34 of
//           them agent_response_chunk) must arrive in seq order with no gap; chunks are counted
//   idle    connect only
// Only the orchestrator decides when the measured window starts ("mark") and ends ("stop").
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";
import { Histogram } from "../histogram";
import type { FromGenerator, GeneratorPlan, ToGenerator } from "../protocol";
import { signToken } from "../token";
import { type ChatSocket, ClosedLoop, type LoopProgress, type LoopUser } from "./closed-loop";

function post(msg: FromGenerator): void {
  if (process.connected) process.send!(msg);
}

const users: LoopUser[] = [];
const sockets: ChatSocket[] = [];
const progress: LoopProgress = { completed: 0, events: 0, errors: 0 };
let loop: ClosedLoop | undefined;

async function connectAll(plan: GeneratorPlan): Promise<void> {
  const l = (loop = new ClosedLoop(plan, progress));
  const jobs: { user: LoopUser; ci: number; url: string; token: string }[] = [];
  for (let u = 0; u < plan.users; u++) {
    const user: LoopUser = { conns: [], next: 0 };
    users.push(user);
    const token = signToken(`${plan.userPrefix}${plan.userOffset + u}`);
    for (let ci = 0; ci < plan.connsPerUser; ci++) {
      jobs.push({ user, ci, token, url: plan.targets[(plan.spread === "user" ? u : ci) % plan.targets.length]! });
    }
  }
  const connectLatency = new Histogram();
  const failures: Record<string, number> = {};
  let failed = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < jobs.length) {
      const job = jobs[nextIndex++]!;
      const started = performance.now();
      try {
        const socket = await openSocket(l, job.url, job.token, job.ci);
        connectLatency.recordMs(performance.now() - started);
        progress.completed++;
        job.user.conns[job.ci] = socket;
        sockets.push(socket);
      } catch (err) {
        failed++;
        const m = (err as Error).message || "error";
        failures[m] = (failures[m] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.connectConcurrency, jobs.length) }, worker));
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

/** Opens one connection; resolves on its `connection_established`, then hands its events to the loop. */
function openSocket(l: ClosedLoop, url: string, tok: string, ci: number): Promise<ChatSocket> {
  return new Promise((resolve, reject) => {
    const socket: ChatSocket = io(url, {
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
      if (established && l.running) l.countDisconnect();
    });
    socket.on("event", (evt) => {
      if (!established) {
        if (evt.type === "connection_established") {
          established = true;
          clearTimeout(timer);
          resolve(socket);
        }
        return;
      }
      l.onEvent(ci, evt);
    });
  });
}

// Progress every second (connections opened while connecting, then requests completed).
setInterval(() => {
  post({ type: "progress", ...progress });
  progress.completed = progress.events = progress.errors = 0;
}, 1000).unref();

function exit(): void {
  if (loop) loop.running = false;
  for (const s of sockets) s.close();
  setTimeout(() => process.exit(0), 50);
}

process.on("message", (msg: ToGenerator) => {
  switch (msg.type) {
    case "connect":
      connectAll(msg.plan).catch((err: unknown) => post({ type: "error", message: String((err as Error)?.stack ?? err) }));
      break;
    case "start":
      loop?.start(users);
      break;
    case "mark":
      loop?.mark();
      break;
    case "stop":
      if (loop) post({ type: "stopped", report: loop.stop() });
      break;
    case "exit":
      exit();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
post({ type: "hello", pid: process.pid });
