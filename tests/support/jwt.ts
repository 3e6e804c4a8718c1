import { createHmac } from "node:crypto";

/** The secret test nodes run with (and sign their tokens with). */
export const TEST_SECRET = "integration-secret-0123456789abcdef";

const b64url = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/**
 * A JWT built by hand (no library), so that malformed ones can be made: any header, any claims, signed
 * HS256 with `secret`, or with the given raw signature (`""` for alg none).
 */
export function craftJwt(header: Record<string, unknown>, claims: unknown, sign: { secret?: string; signature?: string } = {}): string {
  const head = `${b64url(header)}.${b64url(claims)}`;
  if (sign.signature !== undefined) return `${head}.${sign.signature}`;
  const sig = createHmac("sha256", sign.secret ?? TEST_SECRET)
    .update(head)
    .digest("base64url");
  return `${head}.${sig}`;
}
