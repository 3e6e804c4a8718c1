/** The name of the dashboard's login cookie (httpOnly, SameSite=Strict). */
export const SESSION_COOKIE = "switchyard_session";

/** Reads one cookie from a Cookie header; no dependency needed for this much. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Builds the Set-Cookie value for the login cookie; `maxAgeS` 0 clears it. */
export function sessionCookie(token: string, maxAgeS: number, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, "Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeS}`];
  if (secure) attrs.push("Secure");
  return attrs.join("; ");
}
