// The closed loop of a load generator: every user keeps `inflight` requests outstanding, each one timed
// from the emit to its completion (ping: the ack; golden path: agent_completed on every connection of
// the user, the five run events in seq order on each; stream: a `streamer` run's agent_completed, its
// events in seq order with no gap), and the measured window's counts.
import { performance } from "node:perf_hooks";
import type { Socket } from "socket.io-client";
import type { Ack } from "../../../contract/ack";
import type { ClientEnvelope } from "../../../contract/client-messages";
import { GOLDEN_PATH } from "../../../contract/run-events";
import type { ServerEvent } from "../../../contract/server-events";
import type { ChatClientToServer, ChatServerToClient } from "../../../contract/socket-events";
import { Histogram } from "../histogram";
import { GOLDEN_CONTENT, type GeneratorPlan, type LoadReport, STREAM_AGENT, STREAM_CONTENT } from "../protocol";

/** A client socket typed by the contract's chat namespace. */
export type ChatSocket = Socket<ChatServerToClient, ChatClientToServer>;

/** One user of the loop: its connections (in plan order), its thread once known, the next connection to send on. */
export interface LoopUser {
  conns: ChatSocket[];
  threadId?: string;
  next: number;
}

interface Pending {
  user: LoopUser;
  start: number;
  done: boolean;
  runId?: string;
  /** Last seq seen per connection of the user; agent_completed receptions. */
  lastSeq: number[];
  completions: number;
  bad: boolean;
}

const LAST_SEQ = GOLDEN_PATH.length;

/** Per-second counts for the orchestrator's progress line (reset by whoever posts them). */
export interface LoopProgress {
  completed: number;
  events: number;
  errors: number;
}

/** Keeps the plan's requests in flight and counts what happens; only `mark`..`stop` is measured. */
export class ClosedLoop {
  running = false;
  private measuring = false;
  private markAt = 0;
  private markCpu = process.cpuUsage();
  private readonly pending = new Set<Pending>();
  private readonly runs = new Map<string, Pending>();
  /** Run events that arrived before their ack (the ack carries the run_id). */
  private readonly early = new Map<string, { ci: number; evt: ServerEvent }[]>();
  private readonly latency = new Histogram();
  private readonly counters = { completed: 0, events: 0, chunks: 0, errors: 0, timeouts: 0, badRuns: 0, disconnects: 0 };
  private readonly errorCodes: Record<string, number> = {};

  constructor(
    private readonly plan: GeneratorPlan,
    private readonly progress: LoopProgress,
  ) {}

  /** Issues every user's first requests and sweeps timed-out ones every second. */
  start(users: LoopUser[]): void {
    this.running = true;
    const pace = this.plan.paceMs;
    for (const user of users)
      for (let i = 0; i < this.plan.inflight; i++) {
        if (pace) setTimeout(() => this.issue(user), Math.random() * pace);
        else this.issue(user);
      }
    setInterval(() => this.sweepTimeouts(), 1000).unref();
  }

  /** An established connection went away while the loop ran. */
  countDisconnect(): void {
    this.counters.disconnects++;
  }

  /** Starts the measured window. */
  mark(): void {
    this.latency.reset();
    for (const k of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[k] = 0;
    for (const k of Object.keys(this.errorCodes)) delete this.errorCodes[k];
    this.measuring = true;
    this.markAt = performance.now();
    this.markCpu = process.cpuUsage();
  }

  /** Ends the window and the loop; the window's report. */
  stop(): LoadReport {
    const windowMs = this.measuring ? performance.now() - this.markAt : 0;
    const cpu = process.cpuUsage(this.markCpu);
    this.measuring = false;
    this.running = false;
    return {
      windowMs,
      ...this.counters,
      errorCodes: { ...this.errorCodes },
      latency: this.latency.toJSON(),
      cpu,
      rssBytes: process.memoryUsage().rss,
    };
  }

  private issue(user: LoopUser): void {
    if (!this.running || user.conns.length === 0 || user.conns.includes(undefined as unknown as ChatSocket)) return;
    const socket = this.plan.sendOn === "first" ? user.conns[0]! : user.conns[user.next++ % user.conns.length]!;
    const p: Pending = { user, start: performance.now(), done: false, lastSeq: user.conns.map(() => 0), completions: 0, bad: false };
    this.pending.add(p);
    if (this.plan.scenario === "ping") {
      socket.emit("message", { type: "ping" }, (ack: Ack | undefined) => {
        if (p.done) return;
        if (!ack?.ok) this.countError(ack);
        this.finish(p, !!ack?.ok);
      });
      return;
    }
    const envelope: ClientEnvelope =
      this.plan.scenario === "stream"
        ? { type: "start_agent", payload: { content: STREAM_CONTENT, agent_name: STREAM_AGENT } }
        : { type: "user_message", payload: { content: GOLDEN_CONTENT } };
    // A stream run starts a new thread each time (a fresh conversation): in a reused thread its cost grows
    // with the thread's history (measured: 22.7 against 13.5 ms of server CPU per run, 10 users, 3 s).
    if (user.threadId && this.plan.scenario !== "stream") envelope.thread_id = user.threadId;
    socket.emit("message", envelope, (ack: Ack | undefined) => {
      if (p.done) return;
      if (!ack?.ok || !ack.run_id) {
        this.countError(ack);
        this.finish(p, false);
        return;
      }
      if (!user.threadId && ack.thread_id) user.threadId = ack.thread_id;
      p.runId = ack.run_id;
      this.runs.set(ack.run_id, p);
      const before = this.early.get(ack.run_id);
      if (before) {
        this.early.delete(ack.run_id);
        for (const e of before) this.onRunEvent(p, e.ci, e.evt);
      }
    });
  }

  private countError(ack: Ack | undefined): void {
    if (!this.measuring) return;
    this.counters.errors++;
    this.progress.errors++;
    const code = (ack && !ack.ok ? ack.error?.code : undefined) ?? "NO_ACK";
    this.errorCodes[code] = (this.errorCodes[code] ?? 0) + 1;
  }

  /** An event on connection `ci` of a user (after its connection_established). */
  onEvent(ci: number, evt: ServerEvent): void {
    if (this.plan.scenario === "ping") {
      if (evt.type === "pong") {
        this.progress.events++;
        if (this.measuring) this.counters.events++;
      }
      return;
    }
    if (!evt.run_id) return;
    this.progress.events++;
    if (this.measuring) {
      this.counters.events++;
      if (evt.type === "agent_response_chunk") this.counters.chunks++;
    }
    const p = this.runs.get(evt.run_id);
    if (!p) {
      // Not acked yet (or already timed out: then it is dropped when the ack never comes).
      let list = this.early.get(evt.run_id);
      if (!list) this.early.set(evt.run_id, (list = []));
      if (list.length < 128) list.push({ ci, evt });
      return;
    }
    this.onRunEvent(p, ci, evt);
  }

  private onRunEvent(p: Pending, ci: number, evt: ServerEvent): void {
    if (p.done) return;
    if (evt.seq !== (p.lastSeq[ci] ?? 0) + 1) p.bad = true;
    p.lastSeq[ci] = evt.seq ?? -1;
    if (evt.type === "agent_completed") {
      p.completions++;
      if (p.completions >= p.user.conns.length) {
        // Golden path: exactly five events; stream: every event up to agent_completed, no gap.
        const last = this.plan.scenario === "stream" ? (evt.seq ?? -1) : LAST_SEQ;
        if (p.lastSeq.some((s) => s !== last)) p.bad = true;
        if (p.bad && this.measuring) this.counters.badRuns++;
        this.finish(p, true);
      }
    } else if (evt.type === "agent_error") {
      p.bad = true;
      if (this.measuring) this.counters.badRuns++;
      this.finish(p, false);
    }
  }

  private finish(p: Pending, ok: boolean): void {
    p.done = true;
    this.pending.delete(p);
    if (p.runId) this.runs.delete(p.runId);
    if (ok) {
      this.progress.completed++;
      if (this.measuring) {
        this.counters.completed++;
        this.latency.recordMs(performance.now() - p.start);
      }
    }
    const wait = (this.plan.paceMs ?? 0) - (performance.now() - p.start);
    if (wait > 0) setTimeout(() => this.issue(p.user), wait);
    else this.issue(p.user);
  }

  private sweepTimeouts(): void {
    const now = performance.now();
    for (const p of this.pending) {
      if (now - p.start < this.plan.requestTimeoutMs) continue;
      if (this.measuring) this.counters.timeouts++;
      p.done = true;
      this.pending.delete(p);
      if (p.runId) this.runs.delete(p.runId);
      this.issue(p.user);
    }
    // Early events whose ack never came (timed-out requests) would otherwise stay forever.
    if (this.early.size > 10_000) this.early.clear();
  }
}
