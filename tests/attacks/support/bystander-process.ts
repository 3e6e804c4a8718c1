/**
 * The bystander, in a process of its own (so that the attacker's clients in the test process do not
 * delay its timers or its reads): one user with a real socket.io-client that sends a `ping` every
 * 50 ms, whether or not earlier ones were answered, and reports each round trip (until both the ack and
 * the `pong` event have arrived) to its parent over IPC. Env: BYSTANDER_URL, BYSTANDER_TOKEN.
 */
import { io } from "socket.io-client";

/** [sent at (epoch ms), round trip (ms); -1 for a ping refused (an error ack) or timed out] */
export type PingSample = [number, number];

/** What the bystander reports to the test process. */
export type BystanderMessage =
  | { type: "ready" }
  | { type: "samples"; samples: PingSample[] }
  /** The answer to a "flush" request: the samples so far, and the pings still unanswered (time so far). */
  | { type: "flushed"; samples: PingSample[]; open: PingSample[] }
  | { type: "disconnected"; reason: string }
  | { type: "error"; message: string };

const INTERVAL_MS = 50;
const PING_TIMEOUT_MS = 15_000;
const REPORT_MS = 200;

const send = (m: BystanderMessage) => process.send?.(m);

const socket = io(process.env.BYSTANDER_URL, {
  auth: { token: process.env.BYSTANDER_TOKEN },
  transports: ["websocket"],
  reconnection: false,
  forceNew: true,
});

/** Pings sent and not acked yet, by their start time. */
const unacked = new Map<number, number>();
/** Pings in flight by trace id: when sent, and which of ack and pong have arrived. */
const inFlight = new Map<string, { sentAt: number; t0: number; acked: boolean; ponged: boolean }>();
/** Pongs that arrived before their ack (the handler replies before the router acks). */
const earlyPongs = new Set<string>();
let pending: PingSample[] = [];

const finish = (traceId: string) => {
  const p = inFlight.get(traceId);
  if (!p || !p.acked || !p.ponged) return;
  inFlight.delete(traceId);
  pending.push([p.sentAt, performance.now() - p.t0]);
};

socket.on("event", (evt: { type: string; trace_id: string }) => {
  if (evt.type !== "pong") return;
  const p = inFlight.get(evt.trace_id);
  if (!p) return void earlyPongs.add(evt.trace_id);
  p.ponged = true;
  finish(evt.trace_id);
});

socket.once("connect_error", (err) => send({ type: "error", message: err.message }));
socket.on("disconnect", (reason) => send({ type: "disconnected", reason }));

function ping() {
  const sentAt = Date.now();
  const t0 = performance.now();
  unacked.set(t0, sentAt);
  socket.timeout(PING_TIMEOUT_MS).emit("message", { type: "ping" }, (err: Error | null, ack?: { ok: boolean; trace_id: string }) => {
    unacked.delete(t0);
    if (err || !ack?.ok) return void pending.push([sentAt, -1]);
    const ponged = earlyPongs.delete(ack.trace_id);
    inFlight.set(ack.trace_id, { sentAt, t0, acked: true, ponged });
    finish(ack.trace_id);
  });
}

socket.once("connect", () => {
  setInterval(ping, INTERVAL_MS);
  setInterval(() => {
    if (pending.length) send({ type: "samples", samples: pending });
    pending = [];
  }, REPORT_MS);
  send({ type: "ready" });
});

process.on("message", (m: { type: string }) => {
  if (m.type !== "flush") return;
  const now = performance.now();
  const open: PingSample[] = [...unacked].map(([t0, sentAt]) => [sentAt, now - t0]);
  for (const p of inFlight.values()) open.push([p.sentAt, now - p.t0]);
  send({ type: "flushed", samples: pending, open });
  pending = [];
});
process.on("disconnect", () => process.exit(0));
