import { createHmac, timingSafeEqual } from "node:crypto";

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Verifies a compact HS256 JWT and returns its payload, or null. Synchronous node:crypto HMAC: jose's
 * WebCrypto verify cost ~100 µs per call, most of a connect's extra CPU (12 µs this way). The checks are
 * jose's for this one algorithm: three base64url parts, a header that names exactly HS256 and no `crit`,
 * a constant-time signature comparison, numeric `exp`/`nbf`/`iat` with `exp` in the future and `nbf` not.
 * Tokens are signed with jose (tokens.ts); tests/unit cross-check this verifier against jose.
 */
export function verifyHs256(token: string, key: Buffer, nowMs = Date.now()): Record<string, unknown> | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header64, payload64, signature64] = parts as [string, string, string];
  if (!BASE64URL.test(header64) || !BASE64URL.test(payload64) || !BASE64URL.test(signature64)) return null;
  const header = decodeJson(header64);
  if (!isObject(header) || header.alg !== "HS256" || header.crit !== undefined) return null;
  if (header.b64 !== undefined && header.b64 !== true) return null;
  const expected = createHmac("sha256", key).update(`${header64}.${payload64}`).digest();
  const given = Buffer.from(signature64, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  // Canonical base64url only: the unused low bits of the last character must be zero (otherwise several
  // spellings of one signature would all verify, and a token would not be one string).
  if (given.toString("base64url") !== signature64) return null;
  const payload = decodeJson(payload64);
  if (!isObject(payload)) return null;
  const now = Math.floor(nowMs / 1000);
  for (const claim of ["exp", "nbf", "iat"] as const) {
    if (payload[claim] !== undefined && (typeof payload[claim] !== "number" || !Number.isFinite(payload[claim]))) return null;
  }
  if (typeof payload.exp === "number" && payload.exp <= now) return null;
  if (typeof payload.nbf === "number" && payload.nbf > now) return null;
  return payload;
}
