import { io } from "socket.io-client";
import type { Ack } from "../../contract/ack";
import type { ClientEnvelope } from "../../contract/client-messages";
import type { AnyServerEvent, HistoryMessage, ServerEvent, ServerType } from "../../contract/server-events";
import { AckRefusedError, AckTimeoutError, ClientClosedError, ConnectError } from "./errors";
import { Listeners, type AnyHandler, type EventHandler } from "./listeners";
import { RunHandle, type RunOptions } from "./run-handle";
import type { ChatSocket, ClientOptions, ConnectionInfo, SendArgs, SendType } from "./types";

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * A typed client of Switchyard's chat namespace over socket.io-client: typed `send` per message type,
 * typed listeners, runs as async iterables with seq checks and the server's golden-path judge, and
 * reconnection that resumes the connection by Socket.IO connection-state recovery when the server allows it.
 */
export class SwitchyardClient {
  /** The underlying socket (typed from the contract), for what this class does not wrap. */
  readonly socket: ChatSocket;
  readonly #listeners = new Listeners();
  readonly #runs = new Set<RunHandle>();
  readonly #onConnection = new Set<(info: ConnectionInfo) => void>();
  readonly #onDisconnect = new Set<(reason: string) => void>();
  readonly #ackTimeoutMs: number;
  #info: ConnectionInfo | undefined;
  #closed = false;

  private constructor(socket: ChatSocket, options: ClientOptions) {
    this.socket = socket;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    // Socket.IO passes the event, then (connection-state recovery) the packet's offset and/or (acks) a callback.
    socket.on("event", (...args: unknown[]) =>
      this.#receive(
        args[0] as AnyServerEvent,
        args.find((a) => typeof a === "function"),
      ),
    );
    socket.on("disconnect", (reason) => {
      for (const l of this.#onDisconnect) l(reason);
    });
  }

  /** Connects to a Switchyard node; resolves on `connection_established`, rejects with the handshake's code. */
  static connect(url: string, options: ClientOptions): Promise<SwitchyardClient> {
    const { token, acks = false } = options;
    const socket: ChatSocket = io(url, {
      transports: options.transports ?? ["websocket"],
      reconnection: options.reconnection ?? true,
      forceNew: true,
      ...options.socket,
      // Asked on every (re)connection; Socket.IO adds its recovery session id and offset to it.
      auth: (cb) => {
        Promise.resolve(typeof token === "function" ? token() : token).then(
          (t) => cb({ token: t, acks }),
          () => cb({ acks }),
        );
      },
    });
    const client = new SwitchyardClient(socket, options);
    return new Promise((resolve, reject) => {
      const off = client.onConnection(() => {
        off();
        socket.off("connect_error", refused);
        resolve(client);
      });
      const refused = (err: Error) => {
        off();
        socket.close();
        reject(new ConnectError(err.message, { cause: err }));
      };
      socket.once("connect_error", refused);
    });
  }

  /** The current connection (after `connection_established`). */
  get info(): ConnectionInfo | undefined {
    return this.#info;
  }

  /** The server's id of this connection (kept across a recovered reconnection). */
  get connectionId(): string | undefined {
    return this.#info?.connectionId;
  }

  /** The user the token names. */
  get userId(): string | undefined {
    return this.#info?.userId;
  }

  /** Whether the socket is connected now. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends a message, its payload typed by its type (aliases too); resolves with the ack. */
  send<T extends SendType>(type: T, ...[payload, ids]: SendArgs<T>): Promise<Ack> {
    return this.sendEnvelope({ ...ids, type, payload });
  }

  /** Sends any envelope, unchecked (unknown types, tests of refusals); resolves with the ack. */
  async sendEnvelope(envelope: ClientEnvelope, timeoutMs = this.#ackTimeoutMs): Promise<Ack> {
    if (this.#closed) throw new ClientClosedError();
    try {
      return await this.socket.timeout(timeoutMs).emitWithAck("message", envelope);
    } catch {
      throw this.#closed ? new ClientClosedError() : new AckTimeoutError(envelope.type, timeoutMs);
    }
  }

  /** Listens to one event type, payload typed; returns the unsubscribe function. */
  on<T extends ServerType>(type: T, handler: EventHandler<T>): () => void {
    return this.#listeners.on(type, handler);
  }

  /** Listens to every event (a union to narrow with `switch (event.type)`); returns the unsubscribe function. */
  onAny(handler: AnyHandler): () => void {
    return this.#listeners.onAny(handler);
  }

  /** Called after each `connection_established` (the first, and every reconnection, recovered or not). */
  onConnection(listener: (info: ConnectionInfo) => void): () => void {
    this.#onConnection.add(listener);
    return () => void this.#onConnection.delete(listener);
  }

  /** Called with Socket.IO's reason whenever the connection drops. */
  onDisconnect(listener: (reason: string) => void): () => void {
    this.#onDisconnect.add(listener);
    return () => void this.#onDisconnect.delete(listener);
  }

  /** Starts a run (`user_message`, or `start_agent` with `agent`) and returns its handle at once. */
  run(content: string, options: RunOptions = {}): RunHandle {
    const handle = new RunHandle(() => ({ connectionId: this.#info?.connectionId ?? "", userId: this.#info?.userId ?? "" }), options);
    this.#runs.add(handle);
    const payload = options.simulate ? { content, simulate: options.simulate } : { content };
    const ids = options.thread_id ? { thread_id: options.thread_id } : {};
    const sent = options.agent
      ? this.send("start_agent", { ...payload, agent_name: options.agent }, ids)
      : this.send("user_message", payload, ids);
    sent.then(
      (ack) => handle.accept(ack),
      (err: Error) => handle.fail(err),
    );
    return handle;
  }

  /**
   * A thread's messages (`get_thread_history`): what a client reads back when recovery could not return
   * the events it missed (`acks: true` clients, or a recovery window that expired).
   */
  async history(threadId: string, options: { limit?: number } = {}): Promise<HistoryMessage[]> {
    const replies: ServerEvent<"thread_history">[] = [];
    const off = this.on("thread_history", (e) => {
      if (e.payload.thread_id === threadId) replies.push(e);
    });
    try {
      const ack = await this.send(
        "get_thread_history",
        options.limit ? { thread_id: threadId, limit: options.limit } : { thread_id: threadId },
      );
      if (!ack.ok) throw new AckRefusedError(ack);
      // The reply is written before the ack; wait briefly in case it is not.
      const deadline = Date.now() + this.#ackTimeoutMs;
      for (;;) {
        const reply = replies.find((e) => e.trace_id === ack.trace_id) ?? replies[0];
        if (reply) return reply.payload.messages;
        if (Date.now() > deadline) throw new AckTimeoutError("thread_history", this.#ackTimeoutMs);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      off();
    }
  }

  /** Closes the connection for good; runs still waiting fail with ClientClosedError. */
  close(): void {
    this.#closed = true;
    this.socket.close();
    for (const run of this.#runs) run.fail(new ClientClosedError());
    this.#runs.clear();
  }

  #receive(event: AnyServerEvent, ack: unknown): void {
    const now = Date.now();
    if (event.type === "connection_established") this.#established(event);
    for (const run of this.#runs) {
      run.offer(event, now);
      if (!run.active) this.#runs.delete(run);
    }
    this.#listeners.dispatch(event);
    if (typeof ack === "function") (ack as () => void)();
  }

  #established(event: ServerEvent<"connection_established">): void {
    const reconnected = this.#info !== undefined;
    const { connection_id, user_id, node_id } = event.payload;
    this.#info = { connectionId: connection_id, userId: user_id, nodeId: node_id, recovered: this.socket.recovered };
    // Not recovered: events sent while away are gone. Ask after each open run; one that is over ends as interrupted.
    if (reconnected && !this.socket.recovered) {
      for (const run of this.#runs) {
        if (run.runId && run.active) void this.send("agent_status_request", { run_id: run.runId }).catch(() => undefined);
      }
    }
    for (const l of this.#onConnection) l(this.#info);
  }
}
