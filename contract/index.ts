/**
 * The wire contract of Switchyard (../shared/PROTOCOL.md) as code, declared once. It imports nothing
 * from the server or the dashboard: the server, the dashboard, the tests and the bench import it.
 * Files without zod (everything but client-messages, trace-filter-schema and session-fixture) are safe
 * for the browser bundle; the dashboard imports those files directly.
 */
export * from "./ack";
export * from "./agents-file";
export * from "./alerts";
export * from "./client-messages";
export * from "./errors";
export * from "./golden-verdict";
export * from "./operator-api";
export * from "./run-events";
export * from "./server-events";
export * from "./session-fixture";
export * from "./sessions";
export * from "./socket-events";
export * from "./trace";
export * from "./trace-filter-schema";
