import { SEQUENCED_TYPES, type ServerEvent, type TraceEvent } from "../../contract";
import type { Run, RunObserver } from "../agent/run";
import { type Clock, realClock } from "../clock";
import type { SessionEventRecord, SessionRecord, SessionStatus } from "../store/records";
import type { Tracer } from "../trace/tracer";
import type { DeliveryObserver, DeliveryRecord } from "../transport/delivery";
import { judgeGoldenPath } from "../../contract";
import { deliveryEntry, type LiveSession, type SessionSink } from "./live-session";

export type { SessionSink } from "./live-session";

/** How long a verdict waits for other nodes' delivery reports before it is given without them. */
const REMOTE_REPORT_WAIT_MS = 3000;

/**
 * Records one session per run: the inbound messages with their relative timing, every run event with
 * its delivery per connection (and acks), and the live golden-path verdict, traced as
 * `session_verdict` when it becomes final. Everything a replay needs is in the record from the start.
 */
export class SessionRecorder implements RunObserver, DeliveryObserver {
  readonly #live = new Map<string, LiveSession>();
  readonly #sink: SessionSink;
  readonly #tracer: Tracer;
  readonly #nodeId: string;
  readonly #clock: Clock;
  readonly #dirty = new Set<LiveSession>();
  readonly #flushTimer: NodeJS.Timeout;
  /** Finished sessions in the order they finished, with when they leave memory (swept once a second). */
  readonly #leaving: { id: string; at: number }[] = [];
  /** How long a finished session stays in memory: acks and recoveries may still change it. */
  #keepMs = 15_000;

  constructor(sink: SessionSink, tracer: Tracer, nodeId: string, clock: Clock = realClock) {
    this.#sink = sink;
    this.#clock = clock;
    this.#tracer = tracer;
    this.#nodeId = nodeId;
    tracer.onRecord((e) => this.#onTrace(e));
    // Sessions are written when they start and when their verdict is final; changes in between
    // (events, acks) are written at most once a second, so a run costs few database writes.
    this.#flushTimer = setInterval(() => {
      this.flushDirty();
      this.#sweepFinished();
    }, 1000);
    this.#flushTimer.unref();
  }

  /** Writes every session changed since its last write. */
  flushDirty(): void {
    for (const live of this.#dirty) this.#sink.saveSession(live.record);
    this.#dirty.clear();
  }

  #sweepFinished(): void {
    const now = Date.now();
    let n = 0;
    while (n < this.#leaving.length && this.#leaving[n]!.at <= now) this.#live.delete(this.#leaving[n++]!.id);
    if (n) this.#leaving.splice(0, n);
  }

  close(): void {
    clearInterval(this.#flushTimer);
    this.flushDirty();
  }

  /** Keeps finished sessions in memory for at least the connection-state recovery window. */
  setRecoveryWindow(ms: number): void {
    this.#keepMs = Math.max(15_000, ms + 5_000);
  }

  /**
   * Connection-state recovery delivered an event that had been missed: the delivery counts as made
   * (marked recovered), and a verdict that failed only for it is judged again. False when this node
   * does not hold the session.
   */
  markRecovered(runId: string, messageId: string, connectionId: string): boolean {
    const live = this.#live.get(runId);
    const entry = live?.byMessageId.get(messageId);
    if (!live || !entry) return false;
    const delivery = entry.deliveries.find((d) => d.connection_id === connectionId);
    if (delivery) delivery.recovered = true;
    else entry.deliveries.push({ connection_id: connectionId, delivered: false, recovered: true });
    if (live.final && live.record.status === "failed" && live.record.reasons.includes("undelivered")) this.#finalize(live);
    else this.#touch(live);
    return true;
  }

  /** A session still held in memory (running, or final but its run still going). */
  get(runId: string): SessionRecord | undefined {
    return this.#live.get(runId)?.record;
  }

  onRunStarted(run: Run, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void {
    const record: SessionRecord = {
      id: run.id,
      userId: run.userId,
      threadId: run.threadId,
      nodeId: this.#nodeId,
      status: "running",
      reasons: [],
      details: [],
      agentName: run.agentName,
      agentVersion: run.agentVersion,
      agentKind: run.agentKind,
      ttftMs: null,
      chunks: 0,
      faults: { ...run.faults },
      inbound: [{ ...inbound, at_ms: 0 }],
      events: [],
      startedAt: run.startedAt,
      endedAt: null,
      updatedAt: this.#clock.now(),
    };
    const live: LiveSession = {
      record,
      final: false,
      runEnded: false,
      violations: 0,
      timer: undefined,
      lastEventAt: 0,
      byMessageId: new Map(),
      pendingRemote: 0,
      deferred: null,
      gapMs: run.gapMs,
      strict: run.strict,
    };
    this.#live.set(run.id, live);
    this.#armGapTimer(live);
    this.#touch(live, true);
  }

  /** Another inbound message about this run (stop_agent, agent_status_request). */
  onRunInbound(runId: string, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void {
    const live = this.#live.get(runId);
    if (!live) return;
    live.record.inbound.push({ ...inbound, at_ms: this.#clock.now() - live.record.startedAt });
    this.#touch(live);
  }

  onEmitted(event: ServerEvent, deliveries: DeliveryRecord[], remote?: Promise<DeliveryRecord[]>): void {
    if (!event.run_id || !SEQUENCED_TYPES.has(event.type)) return;
    const live = this.#live.get(event.run_id);
    if (!live) return;
    const entry: SessionEventRecord = {
      type: event.type,
      payload: event.payload,
      emitted_at_ms: this.#clock.now() - live.record.startedAt,
      deliveries: deliveries.map(deliveryEntry),
    };
    if (remote) {
      live.pendingRemote++;
      void remote.then((others) => {
        entry.deliveries.push(...others.map(deliveryEntry));
        live.pendingRemote--;
        if (live.pendingRemote === 0 && live.deferred) {
          clearTimeout(live.deferred.timer);
          const { status } = live.deferred;
          live.deferred = null;
          this.#finalize(live, status);
        } else this.#touch(live);
      });
    }
    if (event.seq !== undefined) entry.seq = event.seq;
    if (event.type === "agent_response_chunk") {
      live.record.chunks++;
      live.record.ttftMs ??= entry.emitted_at_ms;
    }
    live.record.events.push(entry);
    live.byMessageId.set(event.message_id, entry);
    if (!live.final) this.#armGapTimer(live);
    this.#touch(live);
  }

  onAcknowledged(event: ServerEvent, connectionId: string): void {
    const live = event.run_id ? this.#live.get(event.run_id) : undefined;
    const entry = live?.byMessageId.get(event.message_id);
    const delivery = entry?.deliveries.find((d) => d.connection_id === connectionId);
    if (!live || !delivery) return;
    delivery.acknowledged = true;
    this.#touch(live);
  }

  onRunEnded(run: Run): void {
    const live = this.#live.get(run.id);
    if (!live) return;
    live.runEnded = true;
    live.record.endedAt = run.endedAt ?? this.#clock.now();
    if (!live.final) this.#finalizeWhenReported(live, run.status === "cancelled" ? "cancelled" : undefined);
    else this.#touch(live, true);
    clearTimeout(live.timer);
    live.timer = undefined;
    // Acks and recoveries may still arrive for a while; then the session leaves memory.
    this.#leaving.push({ id: run.id, at: Date.now() + this.#keepMs });
  }

  /** Marks every running session interrupted (shutdown); returns how many. */
  interruptAll(): number {
    let n = 0;
    for (const live of this.#live.values()) {
      if (live.final) continue;
      live.record.endedAt = this.#clock.now();
      this.#finalize(live, undefined, true);
      n++;
    }
    return n;
  }

  #onTrace(e: TraceEvent): void {
    if (e.kind !== "isolation_violation" || !e.run_id) return;
    const live = this.#live.get(e.run_id);
    if (live) live.violations++;
  }

  /** Notes an event; a run with no event for GOLDEN_GAP_MS gets its verdict (one timer per run, not one per event). */
  #armGapTimer(live: LiveSession): void {
    live.lastEventAt = this.#clock.now();
    if (!live.timer) this.#checkGapIn(live, live.gapMs + 50);
  }

  #checkGapIn(live: LiveSession, ms: number): void {
    live.timer = setTimeout(() => {
      live.timer = undefined;
      if (live.final) return;
      const quiet = this.#clock.now() - live.lastEventAt;
      if (quiet >= live.gapMs) this.#finalizeWhenReported(live);
      else this.#checkGapIn(live, live.gapMs - quiet + 50);
    }, ms);
    live.timer.unref();
  }

  /** Finalizes now, or once other nodes have reported their deliveries (bounded wait). */
  #finalizeWhenReported(live: LiveSession, status?: SessionStatus): void {
    if (live.pendingRemote === 0) return this.#finalize(live, status);
    if (live.deferred) return;
    const timer = setTimeout(() => {
      live.deferred = null;
      this.#finalize(live, status);
    }, REMOTE_REPORT_WAIT_MS);
    timer.unref();
    live.deferred = { status, timer };
  }

  #finalize(live: LiveSession, status?: SessionStatus, interrupted = false): void {
    const r = live.record;
    live.final = true;
    clearTimeout(live.timer);
    live.timer = undefined;
    if (status === "cancelled") {
      r.status = "cancelled";
      r.reasons = [];
      r.details = ["stopped by stop_agent"];
    } else {
      const verdict = judgeGoldenPath({
        events: r.events,
        endMs: (r.endedAt ?? this.#clock.now()) - r.startedAt,
        ended: live.runEnded,
        gapMs: live.gapMs,
        isolationViolations: live.violations,
        interrupted,
        strict: live.strict,
      });
      r.status = verdict.passed ? "passed" : "failed";
      r.reasons = verdict.reasons;
      r.details = verdict.details;
    }
    this.#tracer.record("session_verdict", {
      trace_id: this.#tracer.newTraceId(),
      user_id: r.userId,
      run_id: r.id,
      thread_id: r.threadId,
      error: r.status === "failed" ? { code: r.reasons.join(","), message: `session failed: ${r.reasons.join(", ")}` } : undefined,
    });
    this.#touch(live, true);
  }

  #touch(live: LiveSession, writeNow = false): void {
    live.record.updatedAt = this.#clock.now();
    if (writeNow) {
      this.#dirty.delete(live);
      this.#sink.saveSession(live.record);
    } else this.#dirty.add(live);
  }
}
