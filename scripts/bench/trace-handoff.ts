// What handing a batch of trace rows to the SQLite writer thread costs the router's thread, per event:
// a structured clone of the event objects (before) against packTraces (server/store/packed-traces.ts)
// in chunks of 500, as trace-queue.ts packs them, each posted (a copy of its typed arrays and strings). Batches shaped like the golden path's: 2,000 events, a run's
// seven steps sharing their trace, run, thread, user and connection ids, 1,000 users.
//
//   npx tsx scripts/bench/trace-handoff.ts [--rounds=5]
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { TraceEvent, TraceKind } from "../../contract";
import { packTraces } from "../../server/store/packed-traces";

const EVENTS = 2_000;
const POSTS = 300;
const ROUNDS = Number(process.argv.find((a) => a.startsWith("--rounds="))?.split("=")[1] ?? 5);
const STEPS: TraceKind[] = ["received", "routed", "handler_started", "emitted", "delivered", "delivered", "handler_finished"];

function batch(seed: number): TraceEvent[] {
  return Array.from({ length: EVENTS }, (_, i) => {
    const chain = seed * EVENTS + Math.floor(i / STEPS.length);
    const user = chain % 1_000;
    return {
      id: `ab12cd34.${(seed * EVENTS + i).toString(36)}`,
      trace_id: `ab12cd34-${chain.toString(36)}`,
      ts: Date.now(),
      node_id: "node-1",
      kind: STEPS[i % STEPS.length]!,
      user_id: `bench-user-${user}`,
      connection_id: `conn_${user.toString(36)}k3j4h5`,
      message_type: "user_message",
      handler: i % STEPS.length === 2 ? "user_message" : undefined,
      run_id: `run_${chain}-4c1e-9b1a-8f2d-3e4f5a6b7c8d`,
      thread_id: `thr_${user}-4c1e-9b1a-8f2d-3e4f5a6b7c8d`,
      duration_ms: i % STEPS.length === 6 ? 1.25 : undefined,
      error: undefined,
    };
  });
}

const worker = new Worker(`require("node:worker_threads").parentPort.on("message", () => {});`, { eval: true });
const batches = Array.from({ length: 10 }, (_, k) => batch(k));

function usPerEvent(post: (events: TraceEvent[]) => void): number {
  for (let i = 0; i < 30; i++) post(batches[i % batches.length]!);
  const started = performance.now();
  for (let i = 0; i < POSTS; i++) post(batches[i % batches.length]!);
  return ((performance.now() - started) * 1000) / (POSTS * EVENTS);
}

const clone: number[] = [];
const packed: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  clone.push(usPerEvent((events) => worker.postMessage(events)));
  packed.push(
    usPerEvent((events) => {
      for (let at = 0; at < events.length; at += 500) worker.postMessage(packTraces(events.slice(at, at + 500)));
    }),
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`structured clone: ${median(clone).toFixed(3)} µs/event (rounds ${clone.map((x) => x.toFixed(2)).join(", ")})`);
console.log(`packed + posted:  ${median(packed).toFixed(3)} µs/event (rounds ${packed.map((x) => x.toFixed(2)).join(", ")})`);
await worker.terminate();
