import type { Socket } from "socket.io";
import { SwitchyardError } from "../../contract";
import { readCookie, SESSION_COOKIE } from "../auth/cookies";
import type { Identity } from "../auth/identity";
import type { TokenService } from "../auth/tokens";

type Handshake = Socket["handshake"];

/** The token of a handshake: `auth.token`, or (for the dashboard) the login cookie. */
export function handshakeToken(handshake: Handshake, allowCookie: boolean): unknown {
  const auth = handshake.auth as Record<string, unknown> | undefined;
  if (auth && auth.token !== undefined) return auth.token;
  return allowCookie ? readCookie(handshake.headers.cookie, SESSION_COOKIE) : undefined;
}

/** Verifies a handshake; null when the token is missing or invalid. */
export async function authenticateHandshake(handshake: Handshake, tokens: TokenService, allowCookie: boolean): Promise<Identity | null> {
  return tokens.verify(handshakeToken(handshake, allowCookie));
}

/** A handshake refusal: the client's `connect_error` message is the code itself. */
export function handshakeRefusal(code: "UNAUTHORIZED" | "FORBIDDEN" | "TOO_MANY_CONNECTIONS"): SwitchyardError {
  return new SwitchyardError(code, code);
}
