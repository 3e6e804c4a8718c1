import type { WebSocket } from "ws";
import type { KeepaliveSettings } from "./ws-settings";

/**
 * Pings one socket every `pingIntervalMs`; a socket that has not answered a ping with a pong within
 * `pongTimeoutMs` is dead and is terminated (its "close" event then unregisters it). Stops by itself
 * when the socket closes. Timers are unref'd: they never keep the process alive.
 */
export function keepAlive(ws: WebSocket, settings: KeepaliveSettings): void {
  let waiting: NodeJS.Timeout | undefined;
  const ping = setInterval(() => {
    if (waiting !== undefined || ws.readyState !== ws.OPEN) return;
    waiting = setTimeout(() => ws.terminate(), settings.pongTimeoutMs);
    waiting.unref();
    ws.ping();
  }, settings.pingIntervalMs);
  ping.unref();
  ws.on("pong", () => {
    clearTimeout(waiting);
    waiting = undefined;
  });
  ws.once("close", () => {
    clearInterval(ping);
    clearTimeout(waiting);
  });
}
