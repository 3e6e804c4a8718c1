import { randomBytes } from "node:crypto";
import { Adapter, type BroadcastOptions, type PrivateSessionId, type Session, SessionAwareAdapter } from "socket.io-adapter";
import type { Config } from "../env";

/** What connection-state recovery may keep on one node (RECOVERY_MAX_PACKETS, RECOVERY_MAX_BYTES, RECOVERY_MAX_SESSIONS). */
export interface RecoveryCaps {
  /** Emitted packets kept for replay, oldest dropped first. */
  maxPackets: number;
  /** Their size in memory (encoded size plus `PACKET_OVERHEAD_BYTES` each), oldest dropped first. */
  maxBytes: number;
  /** Sessions of disconnected sockets, oldest dropped first. */
  maxSessions: number;
}

/** What the adapter holds now, and what its caps made it drop. */
export interface RecoveryRetention {
  packets: number;
  bytes: number;
  sessions: number;
  droppedPackets: number;
  droppedSessions: number;
}

/** The caps of the node's configuration. */
export function recoveryCaps(config: Pick<Config, "RECOVERY_MAX_PACKETS" | "RECOVERY_MAX_BYTES" | "RECOVERY_MAX_SESSIONS">): RecoveryCaps {
  return { maxPackets: config.RECOVERY_MAX_PACKETS, maxBytes: config.RECOVERY_MAX_BYTES, maxSessions: config.RECOVERY_MAX_SESSIONS };
}

/** Socket.IO's `adapter` option: a bounded recovery adapter with these caps for every namespace. */
export function boundedRecoveryAdapter(caps: RecoveryCaps): typeof Adapter {
  return class extends BoundedRecoveryAdapter {
    constructor(nsp: any) {
      super(nsp, caps);
    }
  };
}

/**
 * One emitted packet kept for replay: its offset id, its audience and the packet as it went out. A packet
 * without binary parts is kept as socket.io-parser's one-string encoding (the data is parsed back from it
 * only for a session that missed it, with this packet's own offset put back last): a flat string holds
 * less than half the heap of the event's object graph, and the graph is left to the young generation
 * instead of being promoted for the whole window. The copies of one event written to each of a user's
 * connections (one broadcast per socket, each with its own offset) share the first copy's string.
 */
interface KeptPacket {
  id: string;
  rooms: readonly string[];
  except: readonly string[] | null;
  /** The encoding of this packet, or of an earlier copy of the same event (another offset last). */
  encoded: string | null;
  /** Only for a packet with binary parts (none of the router's events have any). */
  data: unknown[] | null;
  emittedAt: number;
  bytes: number;
}

type PersistedSession = Parameters<SessionAwareAdapter["persistSession"]>[0];
type KeptSession = PersistedSession & { disconnectedAt: number };

const NO_SESSION = Promise.resolve(null) as unknown as Promise<Session>;
/**
 * The heap a kept packet holds beyond its encoded size: the entry, its offset id, its audience and the
 * string's own header. Measured: 642 bytes of heap per packet of a 379-byte event (406 bytes encoded; 1,161 when the
 * event object itself was kept).
 */
export const PACKET_OVERHEAD_BYTES = 256;
const EXPIRY_SWEEP_MS = 10_000;

/**
 * Socket.IO's in-memory session-aware adapter, bounded. Socket.IO's own keeps every packet emitted in the
 * whole recovery window and every session; this one keeps at most `maxPackets` packets of at most
 * `maxBytes` bytes (their encoded size plus a fixed overhead each, as an estimate of the memory they
 * hold) and `maxSessions` sessions, dropping the oldest. Packets are dropped from the
 * oldest end only, so a session whose offset is still kept has every packet after it: a session whose
 * offset was dropped (by a cap or by age) is not restored at all (the client gets a fresh connection,
 * `recovered` false), never replayed with a gap.
 *
 * A session is handed out once: restoring takes it out (Socket.IO's keeps it, so a pid presented again
 * after its owner came back built a second socket with the owner's socket id, whose refusal then removed
 * the owner's live socket from the namespace). The recovery gate puts a refused session back.
 *
 * Only the chat namespace "/" keeps packets and sessions: the inspector does not use recovery.
 */
export class BoundedRecoveryAdapter extends SessionAwareAdapter {
  readonly #caps: RecoveryCaps;
  readonly #windowMs: number;
  readonly #recording: boolean;
  /** Kept packets, oldest first, from `#head` on (an index, so that dropping the oldest costs O(1)). */
  #log: KeptPacket[] = [];
  #head = 0;
  #bytes = 0;
  /** Insertion order is disconnection order, so the first entry is the oldest. */
  readonly #sessions = new Map<PrivateSessionId, KeptSession>();
  #droppedPackets = 0;
  #droppedSessions = 0;
  /** The packet being broadcast as socket.io-adapter encoded it (once per broadcast). */
  #encoded: unknown[] = [];
  /** The last event kept as a string, and that string: the next copies of the same event share it. */
  #lastEvent: { name: unknown; body: unknown; encoded: string } | null = null;
  /** Offsets are unique per adapter (a random prefix: an offset kept by a client across a restart matches nothing). */
  readonly #offsetPrefix = randomBytes(6).toString("base64url") + "-";
  #offsets = 0;

  constructor(nsp: any, caps: RecoveryCaps) {
    super(nsp);
    this.#caps = caps;
    this.#windowMs = nsp.server.opts.connectionStateRecovery.maxDisconnectionDuration;
    this.#recording = nsp.name === "/";
    const self = this as unknown as { _encode(packet: unknown, opts: unknown): unknown[] };
    const encode = self._encode.bind(this);
    self._encode = (packet, opts) => {
      const encoded = encode(packet, opts);
      this.#encoded = encoded;
      return encoded;
    };
    setInterval(() => this.#expire(Date.now()), EXPIRY_SWEEP_MS).unref();
  }

  /** What is kept now. */
  get retention(): RecoveryRetention {
    return {
      packets: this.#log.length - this.#head,
      bytes: this.#bytes,
      sessions: this.#sessions.size,
      droppedPackets: this.#droppedPackets,
      droppedSessions: this.#droppedSessions,
    };
  }

  override persistSession(session: PersistedSession & { disconnectedAt?: number }): void {
    if (!this.#recording) return;
    const { sid, pid, rooms, data } = session;
    this.#sessions.delete(pid);
    // A session put back after a refused handshake keeps its first disconnection time (and so its deadline).
    this.#sessions.set(pid, { sid, pid, rooms, data, disconnectedAt: session.disconnectedAt ?? Date.now() });
    for (const oldest of this.#sessions.keys()) {
      if (this.#sessions.size <= this.#caps.maxSessions) break;
      this.#sessions.delete(oldest);
      this.#droppedSessions++;
    }
  }

  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
    const session = this.#sessions.get(pid);
    if (!session) return NO_SESSION;
    if (session.disconnectedAt + this.#windowMs < Date.now()) {
      this.#sessions.delete(pid);
      return NO_SESSION;
    }
    // A pid with an offset that is not kept (too old, dropped, or made up) restores nothing and leaves
    // the session to its owner.
    const start = this.#indexOf(offset);
    if (start < 0) return NO_SESSION;
    this.#sessions.delete(pid);
    const missedPackets: unknown[][] = [];
    for (let i = start + 1; i < this.#log.length; i++) {
      const packet = this.#log[i]!;
      if (addressedTo(session.rooms, packet)) missedPackets.push(packet.data ?? decodeData(packet.encoded!, packet.id));
    }
    return Promise.resolve({ ...session, missedPackets });
  }

  override broadcast(packet: any, opts: BroadcastOptions): void {
    // Socket.IO's own rule: event packets without an ack callback and not volatile are kept.
    const keep = this.#recording && packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined;
    if (!keep) return Adapter.prototype.broadcast.call(this, packet, opts);
    const id = this.#offsetPrefix + (++this.#offsets).toString(36);
    // The offset travels as the last argument, so the client knows the last packet it has processed.
    (packet.data as unknown[]).push(id);
    this.#encoded = [];
    Adapter.prototype.broadcast.call(this, packet, opts);
    const encoded = this.#encoded;
    this.#encoded = [];
    const data = packet.data as unknown[];
    const last = this.#lastEvent;
    let asString: string | null = null;
    let bytes = PACKET_OVERHEAD_BYTES;
    if (data.length === 3 && last !== null && last.name === data[0] && last.body === data[1]) asString = last.encoded;
    else if (encoded.length === 1 && typeof encoded[0] === "string") {
      asString = encoded[0];
      bytes += encodedSize(encoded);
      this.#lastEvent = data.length === 3 ? { name: data[0], body: data[1], encoded: asString } : null;
    } else bytes += encodedSize(encoded);
    const kept: KeptPacket = {
      id,
      rooms: [...opts.rooms],
      except: opts.except?.size ? [...opts.except] : null,
      encoded: asString,
      data: asString === null ? data : null,
      emittedAt: Date.now(),
      bytes,
    };
    this.#log.push(kept);
    this.#bytes += kept.bytes;
    this.#trim();
  }

  /** Drops the oldest packets while over a cap; compacts the log once most of it is dropped. */
  #trim(): void {
    const { maxPackets, maxBytes } = this.#caps;
    while (this.#log.length - this.#head > maxPackets || (this.#bytes > maxBytes && this.#head < this.#log.length)) {
      this.#dropOldest();
      this.#droppedPackets++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#log.length) {
      this.#log = this.#log.slice(this.#head);
      this.#head = 0;
    }
  }

  #dropOldest(): void {
    const oldest = this.#log[this.#head]!;
    this.#log[this.#head] = undefined as unknown as KeptPacket;
    this.#head++;
    this.#bytes -= oldest.bytes;
  }

  /** Forgets packets and sessions older than the window. */
  #expire(now: number): void {
    const threshold = now - this.#windowMs;
    while (this.#head < this.#log.length && this.#log[this.#head]!.emittedAt < threshold) this.#dropOldest();
    this.#trim();
    for (const [pid, session] of this.#sessions) if (session.disconnectedAt < threshold) this.#sessions.delete(pid);
  }

  /** The index of the packet with this offset, searched from the newest (a reconnecting client's is recent). */
  #indexOf(offset: string): number {
    for (let i = this.#log.length - 1; i >= this.#head; i--) if (this.#log[i]!.id === offset) return i;
    return -1;
  }
}

/** Socket.IO's rule for which packets a restored session missed: addressed to one of its rooms, and not excluded. */
function addressedTo(sessionRooms: string[], packet: KeptPacket): boolean {
  const included = packet.rooms.length === 0 || sessionRooms.some((room) => packet.rooms.includes(room));
  return included && (packet.except === null || sessionRooms.every((room) => !packet.except!.includes(room)));
}

/**
 * A kept packet's data array, parsed back from socket.io-parser's encoding (`2` and an optional `/nsp,`
 * before it), with the packet's own offset last (a shared encoding carries the first copy's).
 */
function decodeData(encoded: string, offset: string): unknown[] {
  const data = JSON.parse(encoded.slice(encoded.indexOf("["))) as unknown[];
  data[data.length - 1] = offset;
  return data;
}

/** The bytes of a packet as socket.io-parser encoded it: strings, plus any binary attachments. */
function encodedSize(encoded: unknown[]): number {
  let bytes = 0;
  for (const part of encoded)
    bytes += typeof part === "string" ? Buffer.byteLength(part) : ((part as { byteLength?: number }).byteLength ?? 0);
  return bytes;
}
