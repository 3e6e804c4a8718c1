import type { Socket as NetSocket } from "node:net";
import type { Socket } from "socket.io-client";

/** A socket.io-client's TCP socket (under its websocket transport): pause it to stop reading, as a slow client would. */
export function rawSocketOf(socket: Socket): NetSocket {
  return (socket.io as unknown as { engine: { transport: { ws: { _socket: NetSocket } } } }).engine.transport.ws._socket;
}
