import type { IncomingMessage } from "node:http";
import type { Identity } from "../../auth/identity";
import type { TokenService } from "../../auth/tokens";
import type { ConnectionAdmission } from "../admission";
import { BEARER_SUBPROTOCOL_PREFIX, WS_SUBPROTOCOL } from "./ws-settings";
import type { UpgradeRefusalCode } from "./upgrade-refusal";

/** An upgrade let through: who the client is, and the reserved connection slot to release once registered (or failed). */
export interface Admitted {
  identity: Identity;
  release: () => void;
}

/**
 * Decides an upgrade to `/ws` before it happens, in this order: the Origin (403 FORBIDDEN when it is
 * neither the Host's origin nor in ALLOWED_ORIGINS), the token (401 UNAUTHORIZED), the user's slot
 * (429 TOO_MANY_CONNECTIONS, through the admission shared with every transport). Synchronous, so no
 * client can leave between the check and the upgrade.
 */
export function admitUpgrade(
  req: IncomingMessage,
  deps: { tokens: TokenService; admission: ConnectionAdmission; allowedOrigins: string[] },
): Admitted | UpgradeRefusalCode {
  if (!originAllowed(req, deps.allowedOrigins)) return "FORBIDDEN";
  const identity = deps.tokens.verifySync(upgradeToken(req));
  if (!identity) return "UNAUTHORIZED";
  const release = deps.admission.reserve(identity.userId);
  if (!release) return "TOO_MANY_CONNECTIONS";
  return { identity, release };
}

/** No Origin (a non-browser client), the origin of the Host the request came to, or a listed origin. */
export function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host || allowed.includes(origin);
  } catch {
    return false;
  }
}

/**
 * The token of an upgrade: `Authorization: Bearer <token>`, else the second of exactly two offered
 * subprotocols `switchyard.v1, bearer.<token>`. Never the query string.
 */
export function upgradeToken(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const offered = offeredProtocols(req);
  if (offered.length !== 2 || offered[0] !== WS_SUBPROTOCOL || !offered[1]!.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return undefined;
  return offered[1]!.slice(BEARER_SUBPROTOCOL_PREFIX.length);
}

/** The subprotocols a client offered, in its order. */
function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers["sec-websocket-protocol"];
  if (header === undefined) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

/** `ws`'s protocol selection: `switchyard.v1` when offered (the bearer entry is never echoed), else none. */
export function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}
