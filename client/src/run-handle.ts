import type { Ack } from "../../contract/ack";
import type { Faults } from "../../contract/client-messages";
import { isTerminalType, SEQUENCED_TYPES } from "../../contract/run-events";
import type { AnyServerEvent, ServerEvent } from "../../contract/server-events";
import { AckRefusedError } from "./errors";
import { judgeRun, type ClientVerdict, type ReceivedEvent, type VerdictOptions } from "./run-verdict";
import { SeqTracker, type RunGap } from "./seq-tracker";

/** How `client.run` starts a run and how its handle judges it. */
export interface RunOptions extends VerdictOptions {
  /** A named agent (`start_agent {agent_name}`); unset: the default agent (`user_message`). */
  agent?: string;
  /** Continue this thread; unset: the server opens one (`handle.threadId` once acked). */
  thread_id?: string;
  /** Fault injection for this run (honoured only when the server enables it). */
  simulate?: Faults;
  /** Called when a seq is skipped (the run goes on; the gap is also in `handle.gaps`). */
  onGap?: (gap: RunGap) => void;
}

/** Where a run is: waiting for its ack, running, ended (its last event arrived, or it was lost), or refused/failed. */
export type RunState = "sending" | "running" | "ended" | "failed";

/** The connection a handle judges its run on. */
export interface RunConnection {
  connectionId: string;
  userId: string;
}

/**
 * One run, from the ack of the message that started it to its `agent_completed` / `agent_error`: an
 * async iterable of its events in arrival order (iterating again replays them from the first). Seqs are
 * checked as they arrive: a skipped one is a gap (`gaps`, `missing()`, `onGap`), never an exception;
 * a repeated one (a redelivery) is dropped and counted.
 */
export class RunHandle implements AsyncIterable<AnyServerEvent> {
  /** The run's id, once acked. */
  runId: string | undefined;
  /** The run's thread, once acked. */
  threadId: string | undefined;
  /** The ack of the message that started the run. */
  ack: Ack | undefined;
  /** Where the run is. */
  state: RunState = "sending";
  /** Why the run failed (refused, no ack, client closed). */
  error: Error | undefined;
  /** The event that ended it, once arrived. */
  end: ServerEvent<"agent_completed"> | ServerEvent<"agent_error"> | undefined;
  /** True when the run ended without its last event reaching this client. */
  interrupted = false;
  /** Redelivered events that were dropped. */
  duplicates = 0;
  /** When the run was sent, and when it ended (`Date.now()`). */
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  /** The run's events with their receive times, in arrival order. */
  readonly received: ReceivedEvent[] = [];
  readonly #tracker = new SeqTracker();
  readonly #early: ReceivedEvent[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly connection: () => RunConnection,
    readonly options: RunOptions = {},
  ) {}

  /** The run's events so far, in arrival order. */
  get events(): AnyServerEvent[] {
    return this.received.map((r) => r.event);
  }

  /** Every gap seen in the run's numbering. */
  get gaps(): readonly RunGap[] {
    return this.#tracker.gaps;
  }

  /** The seqs skipped that have still not arrived. */
  missing(): number[] {
    return this.#tracker.missing();
  }

  /** The client-side verdict with the server's judge; `status` is `running` until the run ends. */
  verdict(options: VerdictOptions = {}): ClientVerdict {
    const { connectionId, userId } = this.connection();
    return judgeRun(
      { startedAt: this.startedAt, endedAt: this.endedAt, events: this.received, connectionId, userId, interrupted: this.interrupted },
      { ...this.options, ...options },
    );
  }

  /** Resolves with the ok ack (run id and thread id set); rejects if the message was refused or not acked. */
  async acked(): Promise<Extract<Ack, { ok: true }>> {
    await this.#until(() => this.state !== "sending");
    if (this.ack?.ok) return this.ack;
    throw this.error ?? new Error("run not started");
  }

  /** Resolves with the handle once the run ended; rejects if it failed. */
  async finished(): Promise<this> {
    await this.#until(() => this.state === "ended" || this.state === "failed");
    if (this.state === "failed") throw this.error ?? new Error("run failed");
    return this;
  }

  /** Yields the run's events as they arrive, ends after the last one; throws if the run was refused. */
  async *[Symbol.asyncIterator](): AsyncIterator<AnyServerEvent> {
    let i = 0;
    for (;;) {
      while (i < this.received.length) yield this.received[i++]!.event;
      if (this.state === "ended") return;
      if (this.state === "failed") throw this.error ?? new Error("run failed");
      await this.#changed();
    }
  }

  /** @internal The ack arrived: the run is known by id; events that came before it are claimed. */
  accept(ack: Ack): void {
    if (this.state !== "sending") return;
    this.ack = ack;
    if (!ack.ok) return this.fail(new AckRefusedError(ack));
    if (!ack.run_id) return this.fail(new Error(`the ack of ${ack.type} carries no run_id`));
    this.runId = ack.run_id;
    this.threadId = ack.thread_id;
    this.state = "running";
    for (const r of this.#early.splice(0)) if (r.event.run_id === this.runId) this.#take(r);
    this.#notify();
  }

  /**
   * @internal An event arrived on the connection; the handle keeps the run's own (sequenced) events. An
   * `agent_status_update` saying the run is over while its last event never came ends it as interrupted.
   */
  offer(event: AnyServerEvent, receivedAt: number): void {
    if (event.type === "agent_status_update" && event.payload.run_id === this.runId && event.payload.status !== "running") {
      return this.interrupt();
    }
    if (event.run_id === undefined || !SEQUENCED_TYPES.has(event.type)) return;
    if (this.state === "sending") this.#early.push({ event, receivedAt });
    else if (this.state === "running" && event.run_id === this.runId) {
      this.#take({ event, receivedAt });
      this.#notify();
    }
  }

  /** @internal The server says the run is over but its last event never came (lost while disconnected). */
  interrupt(): void {
    if (this.state !== "running") return;
    this.interrupted = true;
    this.#finish();
  }

  /** @internal The run cannot go on (refused, no ack, client closed). */
  fail(error: Error): void {
    if (this.state === "ended" || this.state === "failed") return;
    this.error = error;
    this.state = "failed";
    this.#early.length = 0;
    this.endedAt = Date.now();
    this.#notify();
  }

  /** True while the run still expects events. */
  get active(): boolean {
    return this.state === "sending" || this.state === "running";
  }

  #take(r: ReceivedEvent): void {
    const { event } = r;
    if (event.seq !== undefined) {
      const outcome = this.#tracker.observe(event.seq);
      if (outcome.kind === "duplicate") {
        this.duplicates++;
        return;
      }
      if (outcome.kind === "gap") this.options.onGap?.(outcome.gap);
    }
    this.received.push(r);
    if (isTerminalType(event.type)) {
      this.end = event as ServerEvent<"agent_completed"> | ServerEvent<"agent_error">;
      this.#finish();
    }
  }

  #finish(): void {
    this.state = "ended";
    this.endedAt = Date.now();
    this.#notify();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done()) await this.#changed();
  }

  #notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }
}
