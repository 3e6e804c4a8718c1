import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchyardError } from "../../../contract";
import type { Identity } from "../../auth/identity";
import type { TokenService } from "../../auth/tokens";
import { SECURITY_HEADERS, sendJson } from "../../operator/http-kit";

/** The response header naming the Switchyard run a stream carries (the session id). */
export const RUN_ID_HEADER = "X-Switchyard-Run-Id";
/** The response header naming the Switchyard thread the client's threadId resolved to. */
export const THREAD_ID_HEADER = "X-Switchyard-Thread-Id";

/** Past this many body bytes the request is cut instead of drained (its 413 is then lost). */
const DRAIN_LIMIT = 8 * 1024 * 1024;

/**
 * The origin check and the CORS headers of one request: a request without `Origin`, or from the origin of
 * the `Host` it came to, gets none; an origin listed in ALLOWED_ORIGINS gets the CORS answer (the stream's
 * id headers exposed); any other origin is FORBIDDEN.
 */
export function corsFor(req: IncomingMessage, allowedOrigins: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  if (allowedOrigins.includes(origin)) {
    return {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Expose-Headers": `${RUN_ID_HEADER}, ${THREAD_ID_HEADER}`,
      Vary: "Origin",
    };
  }
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    throw new SwitchyardError("FORBIDDEN", "Bad Origin header.");
  }
  if (host !== "" && host === req.headers.host) return {};
  throw new SwitchyardError("FORBIDDEN", `Origin ${origin.slice(0, 200)} is not allowed.`);
}

/** Answers an `OPTIONS` request: the CORS preflight for an allowed origin (POST with these headers). */
export function answerPreflight(res: ServerResponse, cors: Record<string, string>): void {
  const preflight =
    "Access-Control-Allow-Origin" in cors
      ? {
          "Access-Control-Allow-Methods": "POST, OPTIONS",
          "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
          "Access-Control-Max-Age": "600",
        }
      : {};
  res.writeHead(204, { ...SECURITY_HEADERS, ...cors, ...preflight, Allow: "POST, OPTIONS" });
  res.end();
}

/** The caller named by `Authorization: Bearer <token>` (a user or operator token); UNAUTHORIZED otherwise. */
export async function authenticate(req: IncomingMessage, tokens: TokenService): Promise<Identity> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  const identity = match ? await tokens.verify(match[1]) : null;
  if (!identity) throw new SwitchyardError("UNAUTHORIZED", "A valid bearer token is required (Authorization: Bearer <token>).");
  return identity;
}

/**
 * Reads a request body of at most `limit` bytes. A larger one is PAYLOAD_TOO_LARGE once it has been read
 * to its end (so the client, still sending, does receive the answer); a body beyond DRAIN_LIMIT is cut.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (outcome: Buffer | SwitchyardError) => {
      if (done) return;
      done = true;
      if (outcome instanceof SwitchyardError) reject(outcome);
      else resolve(outcome);
    };
    const tooLarge = () => new SwitchyardError("PAYLOAD_TOO_LARGE", `The body is over ${limit} bytes.`);
    if (Number(req.headers["content-length"]) > DRAIN_LIMIT) {
      req.destroy();
      return finish(tooLarge());
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) req.destroy();
      else if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => finish(size > limit ? tooLarge() : Buffer.concat(chunks)));
    req.on("error", () => finish(size > limit ? tooLarge() : new SwitchyardError("INVALID_MESSAGE", "The request body was cut off.")));
    req.on("close", () => finish(size > limit ? tooLarge() : new SwitchyardError("INVALID_MESSAGE", "The request body was cut off.")));
  });
}

/** A refusal before the stream: the error table's HTTP status and the contract's JSON error body. */
export function sendRefusal(res: ServerResponse, err: SwitchyardError, cors: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  sendJson(res, err.status, err.toBody(), cors);
}
