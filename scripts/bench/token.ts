import { createHmac } from "node:crypto";
import { BENCH_SECRET } from "./protocol";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const HEADER = b64({ alg: "HS256", typ: "JWT" });

/**
 * An HS256 JWT for the bench secret, signed with node:crypto (what jose's SignJWT produces, without
 * loading jose into every generator process): claims sub, role, iat, exp.
 */
export function signToken(sub: string, role: "user" | "operator" = "user", ttlS = 7200): string {
  const now = Math.floor(Date.now() / 1000);
  const body = `${HEADER}.${b64({ role, sub, iat: now, exp: now + ttlS })}`;
  return `${body}.${createHmac("sha256", BENCH_SECRET).update(body).digest("base64url")}`;
}
