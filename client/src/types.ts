import type { ManagerOptions, Socket, SocketOptions } from "socket.io-client";
import type { ALIASES, ClientType, Faults, PayloadOf } from "../../contract/client-messages";
import type { ChatClientToServer, ChatServerToClient } from "../../contract/socket-events";

/** The chat namespace's socket, typed from the contract's event maps. */
export type ChatSocket = Socket<ChatServerToClient, ChatClientToServer>;

/** An alias a client may send instead of a canonical type (`chat`, `agent`, ...). */
export type AliasType = keyof typeof ALIASES;

/** Every type `send` accepts: the canonical client types and their aliases. */
export type SendType = ClientType | AliasType;

/** The canonical type an alias (or a canonical type) resolves to. */
export type CanonicalOf<T extends SendType> = T extends ClientType ? T : T extends AliasType ? (typeof ALIASES)[T] : never;

/** The payload of a type; run-starting types may carry `simulate` (honoured only with fault injection). */
export type SendPayload<T extends SendType> = PayloadOf<CanonicalOf<T>> &
  (CanonicalOf<T> extends "user_message" | "start_agent" ? { simulate?: Faults } : unknown);

/** The ids an envelope may carry besides its type and payload. */
export interface MessageIds {
  thread_id?: string;
  run_id?: string;
  message_id?: string;
}

/** `send`'s arguments after the type: the payload (optional when every field is), then the ids. */
export type SendArgs<T extends SendType> =
  Record<string, never> extends SendPayload<T> ? [payload?: SendPayload<T>, ids?: MessageIds] : [payload: SendPayload<T>, ids?: MessageIds];

/** How a `SwitchyardClient` connects. */
export interface ClientOptions {
  /** The user's token, or a function asked for one on every (re)connection (token refresh). */
  token: string | (() => string | Promise<string>);
  /** Opt in to delivery acknowledgement: each event is acknowledged once the listeners ran (no recovery then). */
  acks?: boolean;
  /** How long `send` waits for its ack (default 10 s). */
  ackTimeoutMs?: number;
  /** Reconnect after a dropped connection, resuming it by connection-state recovery when possible (default true). */
  reconnection?: boolean;
  /** Socket.IO transports (default websocket only). */
  transports?: ("websocket" | "polling" | "webtransport")[];
  /** Anything else for `io(url, ...)`; `auth` is set from `token` and `acks`. */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/** The state of one connection, after each `connection_established`. */
export interface ConnectionInfo {
  connectionId: string;
  userId: string;
  nodeId: string;
  /** True when Socket.IO's connection-state recovery resumed the previous connection (missed events replayed). */
  recovered: boolean;
}
