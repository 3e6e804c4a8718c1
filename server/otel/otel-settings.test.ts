import { describe, expect, it } from "vitest";
import { loadConfig } from "../env";
import { otelSettings } from "./otel-settings";

const settingsOf = (env: Record<string, string>) => otelSettings(loadConfig({ NODE_ENV: "test", NODE_ID: "n1", ...env }));

describe("otelSettings (the standard OTEL_* variables)", () => {
  it("is off when no endpoint is set, or when it is set empty", () => {
    expect(settingsOf({})).toBeNull();
    expect(settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "" })).toBeNull();
  });

  it("appends /v1/traces to the generic endpoint and takes the traces endpoint as it is", () => {
    expect(settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318" })?.url).toBe("http://jaeger:4318/v1/traces");
    expect(settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://lf.example/api/public/otel/" })?.url).toBe(
      "https://lf.example/api/public/otel/v1/traces",
    );
    expect(
      settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:4318/x/traces" })?.url,
    ).toBe("http://b:4318/x/traces");
  });

  it("defaults to http/protobuf, service switchyard, no content; honours http/json and capture", () => {
    expect(settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toMatchObject({
      protocol: "http/protobuf",
      serviceName: "switchyard",
      captureContent: false,
      maxQueueSize: 2048,
      serviceInstanceId: "n1",
    });
    expect(
      settingsOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true",
        OTEL_SERVICE_NAME: "edge",
      }),
    ).toMatchObject({ protocol: "http/json", captureContent: true, serviceName: "edge" });
  });

  it("refuses a protocol it cannot speak (grpc) and an endpoint that is not a URL, at start-up", () => {
    expect(() => settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL/,
    );
    expect(() => settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
