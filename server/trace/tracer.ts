import { type TraceEvent, type TraceFields, type TraceKind } from "../../contract";
import { randomBytes } from "node:crypto";

/** Receives batches of trace events off the hot path (inspector fan-out, persistence, cluster relay). */
export interface TraceSink {
  /** Called by the tracer's flush with every event recorded since the last flush, in order. */
  accept(events: readonly TraceEvent[]): void;
}

/**
 * The one tracing hook of the router. `record` only appends to a bounded buffer (O(1), no I/O);
 * a timer flushes the buffer to the sinks in batches. Overflow between flushes is dropped and counted.
 */
export class Tracer {
  readonly nodeId: string;
  readonly #prefix = randomBytes(4).toString("hex");
  readonly #capacity: number;
  readonly #sinks: TraceSink[] = [];
  #buffer: TraceEvent[] = [];
  #counter = 0;
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<(e: TraceEvent) => void>();

  constructor(nodeId: string, options: { capacity?: number; flushMs?: number } = {}) {
    this.nodeId = nodeId;
    this.#capacity = options.capacity ?? 200_000;
    this.#timer = setInterval(() => this.flush(), options.flushMs ?? 50);
    this.#timer.unref();
  }

  /** A new trace id (one per inbound message, or per connection event). */
  newTraceId(): string {
    return `${this.#prefix}-${(++this.#counter).toString(36)}`;
  }

  /** Appends one routing step; never throws, never waits. */
  record(kind: TraceKind, fields: TraceFields): TraceEvent {
    // Every field written out, in one order: one object shape for every event (the sinks' property
    // reads stay monomorphic) and no object spread, which measured ~0.3 µs more per event.
    const event: TraceEvent = {
      id: `${this.#prefix}.${(++this.#counter).toString(36)}`,
      trace_id: fields.trace_id,
      ts: Date.now(),
      node_id: this.nodeId,
      kind,
      user_id: fields.user_id,
      connection_id: fields.connection_id,
      message_type: fields.message_type,
      handler: fields.handler,
      run_id: fields.run_id,
      thread_id: fields.thread_id,
      duration_ms: fields.duration_ms,
      error: fields.error,
    };
    if (this.#buffer.length < this.#capacity) this.#buffer.push(event);
    else this.#dropped++;
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  /** Synchronous observers (session tracker, stats). Keep them O(1). */
  onRecord(listener: (e: TraceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  addSink(sink: TraceSink): void {
    this.#sinks.push(sink);
  }

  /** Events dropped because the buffer was full between two flushes. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Hands the buffered events to every sink. */
  flush(): void {
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    for (const sink of this.#sinks) sink.accept(batch);
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
