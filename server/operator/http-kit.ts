import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { SwitchyardError } from "../../contract";

/** Baseline security headers on every API response. */
export const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/** Headers for dashboard pages: the API's, plus a content security policy in production. */
export function pageHeaders(production: boolean): Record<string, string> {
  const { "Cache-Control": _noStore, ...rest } = SECURITY_HEADERS;
  if (!production) return rest;
  return {
    ...rest,
    "Content-Security-Policy":
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * The same answer as `sendError`, as raw HTTP/1.1 bytes for a socket that has no ServerResponse (a
 * refused upgrade, a connection refused before the HTTP parser): status line, security headers,
 * `Connection: close`, the JSON error body.
 */
export function rawErrorResponse(err: SwitchyardError): string {
  const body = JSON.stringify(err.toBody());
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    Connection: "close",
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  };
  const head = [`HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ""}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${head.join("\r\n")}\r\n\r\n${body}`;
}

/** The contract's error body, with the HTTP status the error table gives its code. */
export function sendError(res: ServerResponse, err: SwitchyardError): void {
  sendJson(res, err.status, err.toBody());
}

/** Reads a JSON body of at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit = 16_384): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SwitchyardError("PAYLOAD_TOO_LARGE", `Body over ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new SwitchyardError("INVALID_MESSAGE", "The body is not valid JSON.");
  }
}
