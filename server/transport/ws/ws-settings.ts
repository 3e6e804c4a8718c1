/** The path of the plain WebSocket transport (PROTOCOL.md "Other client transports"). */
export const WS_PATH = "/ws";

/** The one subprotocol the server speaks, selected whenever a client offers it. */
export const WS_SUBPROTOCOL = "switchyard.v1";

/** The prefix of the second offered subprotocol that carries a browser's token: `bearer.<token>`. */
export const BEARER_SUBPROTOCOL_PREFIX = "bearer.";

/** Frames over 1 MiB are cut by `ws` itself: the connection closes with 1009 (as Socket.IO's maxHttpBufferSize). */
export const WS_MAX_FRAME_BYTES = 1 << 20;

/** How long a closing handshake may take before the socket is destroyed (a slow consumer's 1008 included). */
export const WS_CLOSE_TIMEOUT_MS = 5_000;

/** How long shutdown waits for clients to answer the 1001 close before dropping their sockets. */
export const WS_SHUTDOWN_GRACE_MS = 1_000;

/** The keepalive: a ping every `pingIntervalMs`; no pong within `pongTimeoutMs` and the socket is dropped. */
export interface KeepaliveSettings {
  pingIntervalMs: number;
  pongTimeoutMs: number;
}

const DEFAULT_PING_INTERVAL_MS = 25_000;
const DEFAULT_PONG_TIMEOUT_MS = 20_000;

/**
 * The keepalive from the environment, read when the transport is attached (not part of server/env.ts):
 * `WS_PING_INTERVAL_MS` (default 25000) and `WS_PONG_TIMEOUT_MS` (default 20000), each a whole number of
 * milliseconds from 10 to 3600000; anything else (empty, not a number, out of range) falls back to the default.
 */
export function keepaliveFromEnv(env: NodeJS.ProcessEnv = process.env): KeepaliveSettings {
  return {
    pingIntervalMs: millis(env.WS_PING_INTERVAL_MS, DEFAULT_PING_INTERVAL_MS),
    pongTimeoutMs: millis(env.WS_PONG_TIMEOUT_MS, DEFAULT_PONG_TIMEOUT_MS),
  };
}

function millis(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 10 && n <= 3_600_000 ? n : fallback;
}
