import { type ServerEvent } from "../../contract";
import type { ChatNamespace, ChatSocket } from "./chat-socket";

/** Disconnect reasons after which Socket.IO keeps a session for connection-state recovery. */
export const RECOVERABLE_REASONS: ReadonlySet<string> = new Set(["transport error", "transport close", "forced close", "ping timeout"]);

const STASH_TTL_MS = 30_000;

/** A packet Socket.IO kept for a disconnected socket: ["event", evt, offset]. */
export type MissedPacket = [string, ServerEvent, string];

/**
 * Holds back the packets connection-state recovery would write on its own. Socket.IO writes missed
 * packets while it builds the socket, before any middleware has checked the new token; here they are
 * taken out of the restored session and delivered by the chat namespace only after the handshake is
 * authenticated as the same user, through the delivery path's isolation check.
 */
export class RecoveryGate {
  readonly #stash = new Map<string, MissedPacket[]>();

  /** Wraps the namespace adapter's restoreSession. Call again whenever the adapter is replaced. */
  install(nsp: ChatNamespace): void {
    const adapter = nsp.adapter as unknown as { restoreSession(pid: string, offset: string): Promise<{ missedPackets: unknown[] } | null> };
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session) return session;
      this.#stash.set(pid, session.missedPackets as MissedPacket[]);
      setTimeout(() => this.#stash.delete(pid), STASH_TTL_MS).unref();
      return { ...session, missedPackets: [] };
    };
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
