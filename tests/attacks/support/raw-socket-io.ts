import type { Socket as NetSocket } from "node:net";
import { WebSocket } from "ws";

/**
 * A Socket.IO client written by hand on a `ws` WebSocket (engine.io v4 over websocket), for what a real
 * client will not do: stop reading, send frames it did not encode (nested 450,000 deep), announce binary
 * attachments without joining a namespace. It answers the engine's pings while it reads.
 */
export interface RawSocketIo {
  ws: WebSocket;
  /** Resolves when the WebSocket has closed (the server cut it, or close()). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Acks received for emitMessage, by ack id, as parsed JSON. */
  acks: Map<number, unknown>;
  /** Called with each ack as it arrives. */
  onAck?: (id: number, ack: unknown) => void;
  /** Joins `nsp` ("/" or "/inspector") with `auth`; rejects with the server's connect_error message. */
  join(nsp: string, auth: Record<string, unknown>): Promise<void>;
  /** Emits `message` with `envelope` (an object, or JSON text used as it is) on "/" with a new ack id; returns the id. */
  emitMessage(envelope: unknown): number;
  /** Sends one engine.io message: a Socket.IO packet in its text encoding ("2[...]" is an event on "/"). */
  sendPacket(text: string): void;
  /** Sends one binary frame (a Socket.IO binary attachment). */
  sendBinary(data: Buffer): void;
  /** Bytes written but not yet handed to the kernel. */
  bufferedAmount(): number;
  /** Stops reading from the TCP socket (the server's writes then pile up on its side). */
  pause(): void;
  /** Reads again. */
  resume(): void;
  close(): void;
}

/** Opens an engine.io WebSocket on `url` (http://host:port) and resolves after the engine's open packet. */
export function openRawSocketIo(url: string): Promise<RawSocketIo> {
  // A mask of zeros (legal) spares `ws` the copy and XOR of every frame: the attacker's CPU is not the bottleneck.
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate: false,
    generateMask: () => undefined,
  });
  let closed = false;
  let nextAckId = 1;
  let joining: { nsp: string; resolve: () => void; reject: (e: Error) => void } | undefined;
  const closedPromise = new Promise<void>((resolve) => ws.once("close", () => ((closed = true), resolve())));
  ws.on("error", () => undefined);
  const client: RawSocketIo = {
    ws,
    closed: closedPromise,
    isClosed: () => closed,
    acks: new Map(),
    join(nsp, auth) {
      return new Promise((resolve, reject) => {
        joining = { nsp, resolve, reject };
        client.sendPacket(`0${nspPrefix(nsp)}${JSON.stringify(auth)}`);
        void closedPromise.then(() => reject(new Error("closed while joining")));
      });
    },
    emitMessage(envelope) {
      const id = nextAckId++;
      const body = typeof envelope === "string" ? envelope : JSON.stringify(envelope);
      client.sendPacket(`2${id}["message",${body}]`);
      return id;
    },
    sendPacket: (text) => void (closed || ws.send(`4${text}`)),
    sendBinary: (data) => void (closed || ws.send(data)),
    bufferedAmount: () => ws.bufferedAmount,
    pause: () => (ws as unknown as { _socket: NetSocket })._socket.pause(),
    resume: () => (ws as unknown as { _socket: NetSocket })._socket.resume(),
    close: () => ws.terminate(),
  };
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const text = data.toString();
    if (text === "2") return void ws.send("3"); // engine.io ping
    if (!text.startsWith("4")) return;
    const packet = text.slice(1);
    const ack = /^3(\d+)(\[.*)$/s.exec(packet);
    if (ack) {
      const [first] = JSON.parse(ack[2] ?? "[]") as unknown[];
      client.acks.set(Number(ack[1]), first);
      client.onAck?.(Number(ack[1]), first);
      return;
    }
    if (joining && packet.startsWith(`0${nspPrefix(joining.nsp)}`)) {
      joining.resolve();
      joining = undefined;
    } else if (joining && packet.startsWith(`4${nspPrefix(joining.nsp)}`)) {
      const body = JSON.parse(packet.slice(1 + nspPrefix(joining.nsp).length)) as { message?: string };
      joining.reject(new Error(body.message ?? "connect_error"));
      joining = undefined;
    }
  });
  return new Promise((resolve, reject) => {
    ws.once("message", (data: Buffer) =>
      data.toString().startsWith("0") ? resolve(client) : reject(new Error("no engine.io open packet")),
    );
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/** A namespace as it prefixes a Socket.IO packet: nothing for "/", "/inspector," otherwise. */
const nspPrefix = (nsp: string) => (nsp === "/" ? "" : `${nsp},`);
