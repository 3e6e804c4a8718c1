import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../logger";
import { VERSION } from "../version";
import { ExportAccounting, type OtelExportStats } from "./export-accounting";
import type { OtelSettings } from "./otel-settings";
import { RunCollector } from "./run-collector";
import { writeRunSpans } from "./run-spans";
import { SERVICE_INSTANCE_ID, SERVICE_NAME, SERVICE_VERSION } from "./semconv";

/** Spans per export request at most. */
export const MAX_EXPORT_BATCH_SIZE = 512;
/** A batch smaller than MAX_EXPORT_BATCH_SIZE waits this long for more before it is sent. */
export const SCHEDULE_DELAY_MS = 1_000;
/** One export request's deadline (the exporter's timeoutMillis); a late collector's batch is counted dropped. */
export const EXPORT_TIMEOUT_MS = 5_000;
/** Longest string attribute value (captured content is cut to it by the SDK). */
export const MAX_ATTRIBUTE_CHARS = 16_384;
/** An export failure is logged at most once per this interval (with the count since the last line). */
const FAILURE_LOG_EVERY_MS = 60_000;
/** How long closing the node waits for the last batch. */
const SHUTDOWN_WAIT_MS = 2_000;

/** The running export: the collector to wire to the node's observers, its figures, and its end. */
export interface OtelExport {
  collector: RunCollector;
  stats(): OtelExportStats;
  /** Writes the runs still open, flushes what is queued (bounded wait) and stops. */
  shutdown(): Promise<void>;
}

/** The official OTLP/HTTP exporter of the configured protocol (it encodes; nothing here does). */
function otlpExporter(s: OtelSettings): SpanExporter {
  const config = { url: s.url, headers: parseKeyPairsIntoRecord(s.headers), timeoutMillis: EXPORT_TIMEOUT_MS };
  return s.protocol === "http/json" ? new OtlpJsonExporter(config) : new OtlpProtobufExporter(config);
}

/**
 * Starts the OTLP export of runs: BasicTracerProvider + BatchSpanProcessor (bounded queue, export
 * timeout) + the official exporter, behind the accounting that /metrics reads. Loaded only when an
 * endpoint is configured (node-wiring imports this module dynamically).
 */
export function startOtelExport(
  settings: OtelSettings,
  deps: {
    logger: Logger;
    verdictOf: (runId: string) => { status: string; reasons: readonly string[] } | undefined;
    modelOf: (agent: string) => string | undefined;
  },
): OtelExport {
  const accounting = new ExportAccounting(settings.maxQueueSize);
  const failures = { count: 0, loggedAt: 0 };
  const exporter = accounting.count(otlpExporter(settings), (spans, error) => {
    failures.count += spans;
    if (Date.now() - failures.loggedAt < FAILURE_LOG_EVERY_MS) return;
    // The error's kind only: its message may carry the endpoint (and a URL may carry credentials).
    deps.logger.warn({ spans_dropped: failures.count, err_name: error?.name }, "OpenTelemetry export failed; spans dropped");
    failures.loggedAt = Date.now();
    failures.count = 0;
  });
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: settings.maxQueueSize,
    maxExportBatchSize: Math.min(MAX_EXPORT_BATCH_SIZE, settings.maxQueueSize),
    scheduledDelayMillis: SCHEDULE_DELAY_MS,
    exportTimeoutMillis: EXPORT_TIMEOUT_MS + 1_000,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [SERVICE_NAME]: settings.serviceName,
      [SERVICE_VERSION]: VERSION,
      [SERVICE_INSTANCE_ID]: settings.serviceInstanceId,
    }),
    spanProcessors: [accounting.guard(processor)],
    spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_CHARS },
  });
  const tracer = provider.getTracer("switchyard", VERSION);
  const collector = new RunCollector({
    verdictOf: deps.verdictOf,
    modelOf: deps.modelOf,
    captureContent: settings.captureContent,
    write: (record, verdict) => void writeRunSpans(tracer, record, verdict, settings.captureContent),
    untraced: () => accounting.runsUntraced++,
    failed: (err) => deps.logger.error({ err_name: (err as Error | undefined)?.name }, "OpenTelemetry: writing a run's spans failed"),
  });
  deps.logger.info(
    { url: displayEndpoint(settings.url), protocol: settings.protocol, capture_content: settings.captureContent },
    "OpenTelemetry export of runs is on",
  );
  return {
    collector,
    stats: () => accounting.stats(),
    shutdown: async () => {
      collector.close();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref());
      await Promise.race([provider.shutdown().catch(() => undefined), timeout]);
    },
  };
}

/** The endpoint as it may be logged: no user, password, query or fragment. */
function displayEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
