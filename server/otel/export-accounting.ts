import type { Context } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** What the OTLP export did so far (GET /metrics: switchyard_otel_*). */
export interface OtelExportStats {
  /** Spans the collector accepted (export answered success). */
  exported: number;
  /** Spans lost: the queue was full (collector slow or down), or their export request failed or timed out. */
  dropped: { queue_full: number; export_failed: number };
  /** Spans queued or in an export request now. */
  pending: number;
  /** Runs not traced at all because MAX_OPEN_RUNS runs were already being collected. */
  runsUntraced: number;
}

/**
 * Counts every finished span from the processor to the collector. The SDK's BatchSpanProcessor drops
 * a span silently when its queue is full; the guard in front of it makes the same decision first (the
 * queue holds exactly the spans handed to it and not yet taken by an export), so each drop is counted.
 */
export class ExportAccounting {
  #handed = 0;
  #taken = 0;
  #inFlight = 0;
  #exported = 0;
  #failed = 0;
  #queueFull = 0;
  runsUntraced = 0;

  constructor(readonly maxQueueSize: number) {}

  /** Spans in the processor's queue now. */
  get queued(): number {
    return this.#handed - this.#taken;
  }

  stats(): OtelExportStats {
    return {
      exported: this.#exported,
      dropped: { queue_full: this.#queueFull, export_failed: this.#failed },
      pending: this.queued + this.#inFlight,
      runsUntraced: this.runsUntraced,
    };
  }

  /** The processor in front of the batch processor: counts what it hands over and what a full queue drops. */
  guard(inner: SpanProcessor): SpanProcessor {
    return {
      onStart: (span: Span, parent: Context) => inner.onStart(span, parent),
      onEnd: (span: ReadableSpan) => {
        if (this.queued >= this.maxQueueSize) {
          this.#queueFull++;
          return;
        }
        this.#handed++;
        inner.onEnd(span);
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
  }

  /** The exporter behind the batch processor: counts each batch taken, then its outcome. */
  count(inner: SpanExporter, onFailure: (spans: number, error: Error | undefined) => void): SpanExporter {
    return {
      export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
        const n = spans.length;
        this.#taken += n;
        this.#inFlight += n;
        inner.export(spans, (result) => {
          this.#inFlight -= n;
          if (result.code === ExportResultCode.SUCCESS) this.#exported += n;
          else {
            this.#failed += n;
            onFailure(n, result.error);
          }
          done(result);
        });
      },
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
