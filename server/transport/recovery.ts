import { type ServerEvent } from "../../contract";
import type { ChatNamespace, ChatSocket } from "./chat-socket";

/** Disconnect reasons after which Socket.IO keeps a session for connection-state recovery. */
export const RECOVERABLE_REASONS: ReadonlySet<string> = new Set(["transport error", "transport close", "forced close", "ping timeout"]);

const STASH_TTL_MS = 30_000;

/** A packet Socket.IO kept for a disconnected socket: ["event", evt, offset]. */
export type MissedPacket = [string, ServerEvent, string];

/** The adapter calls the gate wraps: Socket.IO's in-memory (bounded) adapter and the cluster's Redis one alike. */
interface RecoveryAdapter {
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null>;
  persistSession(session: Omit<RestoredSession, "missedPackets">): void;
  delAll(socketId: string): void;
}
type RestoredSession = { sid: string; pid: string; rooms: string[]; data: unknown; missedPackets: unknown[] };

/**
 * Holds back the packets connection-state recovery would write on its own. Socket.IO writes missed
 * packets while it builds the socket, before any middleware has checked the new token; here they are
 * taken out of the restored session and delivered by the chat namespace only after the handshake is
 * authenticated as the same user, through the delivery path's isolation check.
 *
 * Restoring a session takes it out of the adapter (the Redis adapter deletes it, the bounded one hands
 * it out once), before the token is checked. A session lent to a socket that never connects (another
 * user presented its pid and was refused, or the client left during the handshake) is put back, so its
 * owner still recovers afterwards.
 */
export class RecoveryGate {
  readonly #stash = new Map<string, MissedPacket[]>();
  /** Sessions restored for sockets not yet connected, by socket id (a restored socket keeps its session's). */
  readonly #lent = new Map<string, Omit<RestoredSession, "missedPackets">>();
  #watching: ChatNamespace | null = null;

  /** Wraps the namespace adapter's restoreSession. Call again whenever the adapter is replaced. */
  install(nsp: ChatNamespace): void {
    const adapter = nsp.adapter as unknown as RecoveryAdapter;
    const restore = adapter.restoreSession.bind(adapter);
    const delAll = adapter.delAll.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session) return session;
      const { missedPackets, ...kept } = session;
      const packets = missedPackets as MissedPacket[];
      this.#stash.set(pid, packets);
      this.#lent.set(kept.sid, kept);
      setTimeout(() => {
        if (this.#stash.get(pid) === packets) this.#stash.delete(pid);
        if (this.#lent.get(kept.sid) === kept) this.#lent.delete(kept.sid);
      }, STASH_TTL_MS).unref();
      return { ...session, missedPackets: [] };
    };
    // A socket leaves all its rooms when it is cleaned up: a lent session's socket that gets here without
    // having connected was refused (or abandoned), and its session goes back to the adapter.
    adapter.delAll = (socketId) => {
      delAll(socketId);
      const lent = this.#lent.get(socketId);
      if (!lent) return;
      this.#lent.delete(socketId);
      this.#stash.delete(lent.pid);
      adapter.persistSession(lent);
    };
    if (this.#watching !== nsp) nsp.on("connection", (socket) => this.#lent.delete(socket.id));
    this.#watching = nsp;
  }

  /** The packets a recovered socket missed (once). */
  take(socket: ChatSocket): MissedPacket[] {
    const pid = (socket as unknown as { pid?: string }).pid;
    if (!pid) return [];
    const packets = this.#stash.get(pid) ?? [];
    this.#stash.delete(pid);
    return packets.filter((p) => Array.isArray(p) && p[0] === "event" && typeof p[1] === "object" && p[1] !== null);
  }
}

/** Writes a missed packet as Socket.IO would have, keeping its offset so the client's position stays right. */
export function writeMissedPacket(socket: ChatSocket, packet: MissedPacket): void {
  (socket as unknown as { packet(p: { type: number; data: unknown[] }): void }).packet({ type: 2, data: packet });
}
