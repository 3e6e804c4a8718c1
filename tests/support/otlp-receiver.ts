import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ProtobufReader } from "@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader";

/**
 * An OTLP/HTTP traces receiver for tests (node:http on 127.0.0.1, port 0): it answers POST /v1/traces
 * the way a collector does and decodes what the official exporters send, `application/x-protobuf`
 * (opentelemetry-proto's ExportTraceServiceRequest, read field by field with the ProtobufReader that
 * @opentelemetry/otlp-transformer ships) or `application/json` (OTLP/JSON), into one span shape.
 */

/** One received span, whichever the encoding. Ids are lower-case hex; times are Unix nanoseconds. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  resource: Record<string, unknown>;
}

/** One export request as received. */
export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
}

export interface OtlpReceiver {
  /** The endpoint to give OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  spans: ReceivedSpan[];
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a receiver; `delayMs` holds each answer that long (a slow collector). */
export async function startOtlpReceiver(options: { delayMs?: number } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => {
      const contentType = String(req.headers["content-type"] ?? "");
      requests.push({ path: req.url ?? "", contentType, headers: req.headers });
      const body = Buffer.concat(parts);
      const answer = () => {
        if (res.destroyed) return;
        if (contentType.includes("json")) res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
        else res.writeHead(200, { "Content-Type": "application/x-protobuf" }).end();
      };
      try {
        spans.push(...(contentType.includes("json") ? fromJson(JSON.parse(body.toString("utf8"))) : fromProtobuf(body)));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- OTLP/JSON ----

type JsonAnyValue = Record<string, any>;

function jsonValue(v: JsonAnyValue | undefined): unknown {
  if (!v) return undefined;
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("arrayValue" in v) return ((v.arrayValue?.values ?? []) as JsonAnyValue[]).map(jsonValue);
  return undefined;
}

function jsonAttributes(list: { key: string; value: JsonAnyValue }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function fromJson(body: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: String(s.traceId).toLowerCase(),
          spanId: String(s.spanId).toLowerCase(),
          parentSpanId: String(s.parentSpanId ?? "").toLowerCase(),
          name: s.name,
          kind: Number(s.kind ?? 0),
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonAttributes(s.attributes),
          status: { code: Number(s.status?.code ?? 0), message: String(s.status?.message ?? "") },
          resource,
        });
      }
    }
  }
  return out;
}

// ---- OTLP/protobuf (opentelemetry/proto/collector/trace/v1 ExportTraceServiceRequest) ----

/** Calls `onField` for each field of a message; fixed64 fields get their 8 bytes' value. */
function fields(buf: Uint8Array, onField: (field: number, r: ProtobufReader, fixed64: bigint | null) => void): void {
  const r = new ProtobufReader(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (!r.isAtEnd()) {
    const { fieldNumber, wireType } = r.readTag();
    if (wireType === 1) {
      const value = view.getBigUint64(r.pos, true);
      r.skip(1);
      onField(fieldNumber, r, value);
      continue;
    }
    const before = r.pos;
    onField(fieldNumber, r, null);
    if (r.pos === before) r.skip(wireType);
  }
}

function anyValue(buf: Uint8Array): unknown {
  let value: unknown;
  fields(buf, (f, r, fixed) => {
    if (f === 1) value = r.readString();
    else if (f === 2) value = r.readVarint() !== 0;
    else if (f === 3) value = r.readVarint();
    else if (f === 4 && fixed !== null) value = new DataView(new BigUint64Array([fixed]).buffer).getFloat64(0, true);
    else if (f === 5) {
      const list: unknown[] = [];
      fields(r.readBytes(), (g, rr) => g === 1 && list.push(anyValue(rr.readBytes())));
      value = list;
    }
  });
  return value;
}

function keyValue(buf: Uint8Array): [string, unknown] {
  let key = "";
  let value: unknown;
  fields(buf, (f, r) => {
    if (f === 1) key = r.readString();
    else if (f === 2) value = anyValue(r.readBytes());
  });
  return [key, value];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function span(buf: Uint8Array, resource: Record<string, unknown>): ReceivedSpan {
  const s: ReceivedSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startNs: 0n,
    endNs: 0n,
    attributes: {},
    status: { code: 0, message: "" },
    resource,
  };
  fields(buf, (f, r, fixed) => {
    if (f === 1) s.traceId = hex(r.readBytes());
    else if (f === 2) s.spanId = hex(r.readBytes());
    else if (f === 4) s.parentSpanId = hex(r.readBytes());
    else if (f === 5) s.name = r.readString();
    else if (f === 6) s.kind = r.readVarint();
    else if (f === 7 && fixed !== null) s.startNs = fixed;
    else if (f === 8 && fixed !== null) s.endNs = fixed;
    else if (f === 9) {
      const [k, v] = keyValue(r.readBytes());
      s.attributes[k] = v;
    } else if (f === 15) {
      fields(r.readBytes(), (g, rr) => {
        if (g === 2) s.status.message = rr.readString();
        else if (g === 3) s.status.code = rr.readVarint();
      });
    }
  });
  return s;
}

function fromProtobuf(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  fields(body, (f, r) => {
    if (f !== 1) return;
    const resource: Record<string, unknown> = {};
    const scopeSpans: Uint8Array[] = [];
    fields(r.readBytes(), (g, rr) => {
      if (g === 1) fields(rr.readBytes(), (h, r3) => h === 1 && Object.assign(resource, Object.fromEntries([keyValue(r3.readBytes())])));
      else if (g === 2) scopeSpans.push(rr.readBytes());
    });
    for (const ss of scopeSpans) fields(ss, (g, rr) => g === 2 && out.push(span(rr.readBytes(), resource)));
  });
  return out;
}
