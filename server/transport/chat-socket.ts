import type { Namespace, Server, Socket } from "socket.io";
import type { ChatClientToServer, ChatServerToClient, ClusterEvents } from "../../contract";
import type { Identity } from "../auth/identity";

/** What the chat namespace keeps on each socket (`socket.data`), typed once. */
export interface ChatSocketData {
  /** Set by the handshake middleware once the token is verified. */
  identity?: Identity;
  /** Kept across connection-state recovery, so a recovered socket is the same connection. */
  connectionId?: string;
  /** Releases the user's connection slot reserved during the handshake. */
  releaseSlot?: () => void;
  /** Why the server closed the socket (SLOW_CONSUMER), for the connection_closed trace. */
  closeReason?: string;
}

/** Socket.IO typed with the contract's event maps: chat both ways, cluster messages between servers. */
export type ChatServer = Server<ChatClientToServer, ChatServerToClient, ClusterEvents, ChatSocketData>;
export type ChatNamespace = Namespace<ChatClientToServer, ChatServerToClient, ClusterEvents, ChatSocketData>;
export type ChatSocket = Socket<ChatClientToServer, ChatServerToClient, ClusterEvents, ChatSocketData>;
