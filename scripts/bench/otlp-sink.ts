// A local OTLP/HTTP collector stand-in for measuring the cost of the OpenTelemetry export
// (docs/observability.md "What export costs"): it answers every POST at once, as a healthy collector
// does, and counts requests and bytes; it decodes nothing. Run it, point the bench's server at it:
//
//   npx tsx scripts/bench/otlp-sink.ts 4318 &
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npm run bench -- --scenario golden
//
// (the bench's server child inherits the environment: scripts/bench/lib/child-process.ts). On SIGINT
// or SIGTERM it prints what it received and exits.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 4318);
let requests = 0;
let bytes = 0;

const server = createServer((req, res) => {
  req.on("data", (b: Buffer) => (bytes += b.length));
  req.on("end", () => {
    requests++;
    const json = String(req.headers["content-type"] ?? "").includes("json");
    res.writeHead(200, { "Content-Type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : undefined);
  });
});

server.listen(port, "127.0.0.1", () => process.stderr.write(`otlp-sink: listening on http://127.0.0.1:${port}\n`));

function stop(): void {
  process.stderr.write(`otlp-sink: ${requests} export request(s), ${(bytes / 1024).toFixed(1)} KiB\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
