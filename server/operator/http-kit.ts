import { randomBytes } from "node:crypto";
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { SwitchyardError } from "../../contract";

/** Baseline security headers on every API response. */
export const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/**
 * The dashboard's content security policy for one response. Scripts run only from this origin or when they
 * carry this response's nonce: Next.js puts the nonce it finds in the request's policy on every inline
 * script it writes (its bootstrap and the `self.__next_f.push(...)` payload), and the root layout puts the
 * `x-nonce` request header on the theme boot script. No 'unsafe-inline' for scripts, so an injected
 * `<script>` or event handler does not run. style-src keeps 'unsafe-inline': React's `style` props (the
 * charts, the virtual lists) are style attributes, which a nonce cannot cover, and a style cannot run code.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

/**
 * Prepares a dashboard page's request and response: the API's security headers (caching left to Next),
 * and in production a content security policy with a fresh nonce, also set on the request (as
 * `Content-Security-Policy` and `x-nonce`) for Next.js to read while it renders. Whatever a client sent
 * in those request headers is dropped first, so a client never chooses the nonce.
 */
export function pageSecurity(production: boolean): (req: IncomingMessage, res: ServerResponse) => void {
  const { "Cache-Control": _noStore, ...rest } = SECURITY_HEADERS;
  return (req, res) => {
    delete req.headers["content-security-policy"];
    delete req.headers["content-security-policy-report-only"];
    delete req.headers["x-nonce"];
    for (const [k, v] of Object.entries(rest)) res.setHeader(k, v);
    if (!production) return;
    const nonce = randomBytes(16).toString("base64");
    const policy = contentSecurityPolicy(nonce);
    req.headers["content-security-policy"] = policy;
    req.headers["x-nonce"] = nonce;
    res.setHeader("Content-Security-Policy", policy);
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
