import { type TraceEvent } from "../../contract";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OtelExportStats } from "../otel/export-accounting";

/** Live figures the gauges read at scrape time. */
export interface MetricsSource {
  connections(): number;
  users(): number;
  isolationViolations(): number;
  traceDrops(): number;
  clientErrorReports(): ReadonlyMap<string, number>;
  rejectionsByCode(): ReadonlyMap<string, number>;
  /** RATE_LIMITED refusals counted without trace rows (a flood past the first refusal of each second). */
  untracedRefusals(): number;
  sessions(): Promise<Record<string, number>>;
  /** Acks of a user's message or a created thread answered before it was durable: neither committed nor journaled (ThreadStore.untilCommitted). */
  acksBeforeCommit(): number;
  /** Write-behind rows waiting for the next flush: what a crash of the process now would lose. */
  writeBehindQueued(): { traces: number; sessions: number };
  /** The OpenTelemetry export's figures (docs/observability.md); absent when the export is off (all 0). */
  otelExport?(): OtelExportStats;
  /** Alert webhook notifications by outcome (server/alerts/webhook-notifier.ts); null before alerts start. */
  alertNotifications?(): Readonly<Record<string, number>> | null;
}

/** Prometheus metrics through prom-client, fed by the trace stream (no work on the routing path). */
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly #messages: Counter<"type" | "outcome">;
  readonly #events: Counter<"type">;
  readonly #latency: Histogram<"handler">;
  readonly #slowConsumers: Counter<"surface">;

  constructor(source: MetricsSource) {
    const r = this.registry;
    this.#messages = new Counter({
      name: "switchyard_messages_total",
      help: "Client messages by canonical type and outcome",
      labelNames: ["type", "outcome"],
      registers: [r],
    });
    this.#events = new Counter({
      name: "switchyard_events_delivered_total",
      help: "Events written to sockets, by type",
      labelNames: ["type"],
      registers: [r],
    });
    this.#latency = new Histogram({
      name: "switchyard_handler_duration_seconds",
      help: "Handler latency",
      labelNames: ["handler"],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [r],
    });
    this.#slowConsumers = new Counter({
      name: "switchyard_slow_consumer_disconnects_total",
      help: "Connections the server cut because their unsent bytes passed OUTBOUND_BUFFER_BYTES",
      labelNames: ["surface"],
      registers: [r],
    });
    new Gauge({
      name: "switchyard_connections",
      help: "Open connections on this node",
      registers: [r],
      collect() {
        this.set(source.connections());
      },
    });
    new Gauge({
      name: "switchyard_users",
      help: "Users with an open connection on this node",
      registers: [r],
      collect() {
        this.set(source.users());
      },
    });
    new Gauge({
      name: "switchyard_isolation_violations_total",
      help: "Events refused by the delivery isolation check",
      registers: [r],
      collect() {
        this.set(source.isolationViolations());
      },
    });
    new Gauge({
      name: "switchyard_trace_drops_total",
      help: "Trace events dropped (buffer or database queue full)",
      registers: [r],
      collect() {
        this.set(source.traceDrops());
      },
    });
    new Gauge({
      name: "switchyard_acks_before_commit_total",
      help: "Acks of a user message or created thread answered before it was durable: neither committed nor journaled (a full record queue, or a store without a journal)",
      registers: [r],
      collect() {
        this.set(source.acksBeforeCommit());
      },
    });
    new Gauge({
      name: "switchyard_write_behind_queued",
      help: "Trace rows and session states waiting for the next flush (lost if the process is killed now)",
      labelNames: ["kind"],
      registers: [r],
      collect() {
        for (const [kind, n] of Object.entries(source.writeBehindQueued())) this.set({ kind }, n);
      },
    });
    new Gauge({
      name: "switchyard_client_error_reports_total",
      help: "error_message reports sent by clients, by their error_code",
      labelNames: ["error_code"],
      registers: [r],
      collect() {
        for (const [code, n] of source.clientErrorReports()) this.set({ error_code: code }, n);
      },
    });
    new Gauge({
      name: "switchyard_rejections_total",
      help: "Client messages refused, by contract error code",
      labelNames: ["code"],
      registers: [r],
      collect() {
        for (const [code, n] of source.rejectionsByCode()) this.set({ code }, n);
      },
    });
    new Gauge({
      name: "switchyard_rejections_untraced_total",
      help: "RATE_LIMITED refusals answered without trace rows (all but the first of a connection in each second)",
      registers: [r],
      collect() {
        this.set(source.untracedRefusals());
      },
    });
    const otel = () => source.otelExport?.() ?? null;
    new Gauge({
      name: "switchyard_otel_spans_exported_total",
      help: "Spans of runs the OpenTelemetry collector accepted",
      registers: [r],
      collect() {
        this.set(otel()?.exported ?? 0);
      },
    });
    new Gauge({
      name: "switchyard_otel_spans_dropped_total",
      help: "Spans of runs not exported: queue full (collector slow or down) or export failed",
      labelNames: ["reason"],
      registers: [r],
      collect() {
        for (const [reason, n] of Object.entries(otel()?.dropped ?? { queue_full: 0, export_failed: 0 })) this.set({ reason }, n);
      },
    });
    new Gauge({
      name: "switchyard_otel_spans_pending",
      help: "Spans of runs queued or in an export request now",
      registers: [r],
      collect() {
        this.set(otel()?.pending ?? 0);
      },
    });
    new Gauge({
      name: "switchyard_otel_runs_untraced_total",
      help: "Runs not traced because too many runs were being collected at once",
      registers: [r],
      collect() {
        this.set(otel()?.runsUntraced ?? 0);
      },
    });
    new Gauge({
      name: "switchyard_alert_notifications_total",
      help: "Alert webhook requests by outcome: sent, retried (an attempt failed, another follows), failed (gave up), dropped (queue full)",
      labelNames: ["outcome"],
      registers: [r],
      collect() {
        const counts = source.alertNotifications?.() ?? { sent: 0, retried: 0, failed: 0, dropped: 0 };
        for (const [outcome, n] of Object.entries(counts)) this.set({ outcome }, n);
      },
    });
    new Gauge({
      name: "switchyard_sessions",
      help: "Golden-path sessions by verdict status",
      labelNames: ["status"],
      registers: [r],
      async collect() {
        for (const [status, n] of Object.entries(await source.sessions())) this.set({ status }, n);
      },
    });
  }

  /** Consumes a batch of trace events (a TraceSink). */
  accept(events: readonly TraceEvent[]): void {
    // Counted per batch and added once per label set: prom-client hashes the labels on every call.
    const messages = new Map<string, { type: string; outcome: string; n: number }>();
    const delivered = new Map<string, number>();
    const countMessage = (type: string, outcome: string) => {
      const key = `${type}\u0000${outcome}`;
      const entry = messages.get(key);
      if (entry) entry.n++;
      else messages.set(key, { type, outcome, n: 1 });
    };
    for (const e of events) {
      switch (e.kind) {
        case "handler_finished":
          countMessage(e.message_type ?? "unknown", "ok");
          this.#latency.observe({ handler: e.handler ?? "unknown" }, (e.duration_ms ?? 0) / 1000);
          break;
        case "rejected":
          countMessage(e.message_type && e.handler ? e.message_type : "(unrouted)", e.error?.code ?? "error");
          break;
        case "connection_closed":
          if (e.error?.code === "SLOW_CONSUMER")
            this.#slowConsumers.inc({ surface: e.message_type === "inspector" ? "inspector" : "chat" });
          break;
        case "delivered": {
          const type = e.message_type ?? "unknown";
          delivered.set(type, (delivered.get(type) ?? 0) + 1);
          break;
        }
        default:
          break;
      }
    }
    for (const m of messages.values()) this.#messages.inc({ type: m.type, outcome: m.outcome }, m.n);
    for (const [type, n] of delivered) this.#events.inc({ type }, n);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
