import type { Socket } from "socket.io";
import { readCookie, SESSION_COOKIE } from "../auth/cookies";
import type { Identity } from "../auth/identity";
import type { TokenService } from "../auth/tokens";

/** The token of a handshake: `auth.token`, or (for the dashboard) the login cookie. */
export function handshakeToken(socket: Socket, allowCookie: boolean): unknown {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  if (auth && auth.token !== undefined) return auth.token;
  return allowCookie ? readCookie(socket.handshake.headers.cookie, SESSION_COOKIE) : undefined;
}

/** Verifies a handshake; null when the token is missing or invalid. */
export async function authenticateHandshake(socket: Socket, tokens: TokenService, allowCookie: boolean): Promise<Identity | null> {
  return tokens.verify(handshakeToken(socket, allowCookie));
}
