import type { Config } from "../env";

/** Where finished spans go and what they may carry, from the standard OTEL_* variables (server/env.ts). */
export interface OtelSettings {
  /** The full OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  protocol: "http/protobuf" | "http/json";
  /** OTEL_EXPORTER_OTLP_HEADERS as written (`k=v,k2=v2`): sent with every export, never logged or exported. */
  headers: string;
  serviceName: string;
  /** Message content, tool arguments and tool results on the spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
  captureContent: boolean;
  /** Finished spans waiting for export at most; more are dropped and counted. */
  maxQueueSize: number;
  serviceInstanceId: string;
}

/** The signal path appended to OTEL_EXPORTER_OTLP_ENDPOINT (the OTLP exporter specification). */
const TRACES_PATH = "v1/traces";

/**
 * The export settings, or null when neither OTEL_EXPORTER_OTLP_TRACES_ENDPOINT nor
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing of OpenTelemetry is loaded or registered.
 * The traces endpoint is used as it is; the generic one gets `/v1/traces` appended, as the standard says.
 * Kept free of OpenTelemetry imports: the node decides with it whether to load the export at all.
 */
export function otelSettings(config: Config): OtelSettings | null {
  const url = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || tracesUrlOf(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!url) return null;
  return {
    url,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
    serviceName: config.OTEL_SERVICE_NAME,
    captureContent: config.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
    maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
    serviceInstanceId: config.NODE_ID,
  };
}

function tracesUrlOf(endpoint: string | undefined): string | null {
  if (!endpoint) return null;
  return endpoint.endsWith("/") ? endpoint + TRACES_PATH : `${endpoint}/${TRACES_PATH}`;
}
