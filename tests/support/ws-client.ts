import { randomUUID } from "node:crypto";
import type { Socket as NetSocket } from "node:net";
import { WebSocket, type ClientOptions, type RawData } from "ws";
import type { EventRecord } from "./test-node";

/** An ack frame's payload, left open for assertions. */
export type AckRecord = Record<string, unknown> & { ok: boolean; error?: { code: string; message: string } };

/** A real `ws` client on `/ws`: every frame it received, and helpers to send envelopes and await their acks. */
export interface WsClient {
  ws: WebSocket;
  userId: string;
  connectionId: string;
  /** Events (every frame but `message_ack`), in arrival order. */
  events: EventRecord[];
  /** Every `message_ack` payload, in arrival order. */
  acks: AckRecord[];
  /** Resolves when the socket closes, with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends an envelope with a fresh `message_id` (unless it has one) and resolves with its ack. */
  send(envelope: Record<string, unknown>): Promise<AckRecord>;
  /** Sends a raw frame (text, or binary bytes) and resolves with the next ack that names no pending message_id. */
  sendRaw(data: string | Buffer): Promise<AckRecord>;
  waitFor(predicate: (e: EventRecord) => boolean, timeoutMs?: number): Promise<EventRecord>;
  /** The TCP socket under the client (pause it to stop reading). */
  rawSocket(): NetSocket;
  close(): void;
}

/** `ws://host:port/ws` for a node's `http://host:port` url. */
export const wsUrl = (httpUrl: string, path = "/ws") => httpUrl.replace(/^http/, "ws") + path;

/** Opens a /ws connection with a bearer header (or whatever `options` say) and waits for connection_established. */
export async function openWs(
  httpUrl: string,
  userId: string,
  auth: { token?: string; protocols?: string[]; options?: ClientOptions; path?: string },
): Promise<WsClient> {
  const headers: Record<string, string> = { ...auth.options?.headers };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  const ws = new WebSocket(wsUrl(httpUrl, auth.path), auth.protocols ?? [], { ...auth.options, headers });
  const client = wrapWs(ws, userId);
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    void client
      .waitFor((e) => e.type === "connection_established")
      .then((e) => {
        client.connectionId = String(e.payload.connection_id);
        resolve();
      }, reject);
  });
  return client;
}

/** Wraps an opening `ws` client: records frames, matches acks to sent messages. */
export function wrapWs(ws: WebSocket, userId: string): WsClient {
  const events: EventRecord[] = [];
  const acks: AckRecord[] = [];
  const byId = new Map<string, (ack: AckRecord) => void>();
  const inOrder: ((ack: AckRecord) => void)[] = [];
  const waiters = new Set<{ predicate: (e: EventRecord) => boolean; resolve: (e: EventRecord) => void }>();
  ws.on("error", () => undefined); // a refused or cut connection shows in `closed`
  ws.on("message", (data: RawData) => {
    const frame = JSON.parse(String(data)) as { type: string; payload: Record<string, unknown> };
    if (frame.type === "message_ack") {
      const ack = frame.payload as AckRecord;
      acks.push(ack);
      const id = typeof ack.message_id === "string" ? ack.message_id : undefined;
      const keyed = id ? byId.get(id) : undefined;
      if (keyed && id) {
        byId.delete(id);
        keyed(ack);
      } else inOrder.shift()?.(ack);
      return;
    }
    const evt = frame as unknown as EventRecord;
    events.push(evt);
    for (const w of waiters) {
      if (w.predicate(evt)) {
        waiters.delete(w);
        w.resolve(evt);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const timeout = <T>(p: Promise<T>, what: string, ms = 10_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      timer.unref();
      void p.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e: unknown) => (clearTimeout(timer), reject(e as Error)),
      );
    });
  return {
    ws,
    userId,
    connectionId: "",
    events,
    acks,
    closed,
    send(envelope) {
      const messageId = typeof envelope.message_id === "string" ? envelope.message_id : `m-${randomUUID()}`;
      const ack = new Promise<AckRecord>((resolve) => byId.set(messageId, resolve));
      ws.send(JSON.stringify({ ...envelope, message_id: messageId }));
      return timeout(ack, `the ack of ${String(envelope.type)}`);
    },
    sendRaw(data) {
      const ack = new Promise<AckRecord>((resolve) => inOrder.push(resolve));
      ws.send(data, { binary: typeof data !== "string" });
      return timeout(ack, "the ack of a raw frame");
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      let entry: { predicate: (e: EventRecord) => boolean; resolve: (e: EventRecord) => void } | undefined;
      const p = new Promise<EventRecord>((resolve) => {
        entry = { predicate, resolve };
        waiters.add(entry);
      });
      return timeout(p, `an event (have: ${events.map((e) => e.type).join(", ")})`, timeoutMs).finally(() => waiters.delete(entry!));
    },
    rawSocket: () => (ws as unknown as { _socket: NetSocket })._socket,
    close: () => ws.close(),
  };
}

/** Tries an upgrade that should be refused; resolves with the HTTP status and the parsed JSON body. */
export function refusalOf(
  httpUrl: string,
  opts: { headers?: Record<string, string>; protocols?: string[]; query?: string },
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(httpUrl) + (opts.query ?? ""), opts.protocols ?? [], { headers: opts.headers });
    ws.on("error", () => undefined);
    ws.once("open", () => {
      ws.close();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("unexpected-response", (_req, res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        } catch (err) {
          reject(new Error(`not a JSON body: ${String(err)}`));
        }
      });
      res.on("error", reject);
    });
  });
}
