import type { IncomingMessage } from "node:http";
import { readCookie, SESSION_COOKIE } from "../auth/cookies";
import type { Identity } from "../auth/identity";
import type { TokenService } from "../auth/tokens";
import { SwitchyardError } from "../../contract";

/** The caller of an API request: bearer token first, then the dashboard's login cookie. */
export async function identify(req: IncomingMessage, tokens: TokenService): Promise<Identity | null> {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? tokens.verify(match[1]) : null;
  }
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  return cookie ? tokens.verify(cookie) : null;
}

/** 401 without a valid token, 403 with a valid non-operator token. */
export function requireOperator(identity: Identity | null): Identity {
  if (!identity) throw new SwitchyardError("UNAUTHORIZED", "An operator token is required (Authorization: Bearer, or log in).");
  if (identity.role !== "operator") throw new SwitchyardError("FORBIDDEN", "This needs the operator role.");
  return identity;
}
