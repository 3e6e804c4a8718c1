import { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import { type BoundedRecoveryAdapter, boundedRecoveryAdapter, PACKET_OVERHEAD_BYTES, type RecoveryCaps } from "./bounded-recovery-adapter";

/**
 * A real Socket.IO server, never attached to an HTTP server (nothing to close: the adapter's sweep timer
 * is unref'd), with the bounded adapter; emits to a room go through it.
 */
function serverWith(caps: Partial<RecoveryCaps>) {
  const io = new Server({
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
    adapter: boundedRecoveryAdapter({ maxPackets: 1000, maxBytes: 1 << 20, maxSessions: 100, ...caps }),
  });
  const nsp = io.of("/");
  const adapter = nsp.adapter as unknown as BoundedRecoveryAdapter;
  /** Emits one numbered event to a socket's room and returns the offset it was given. */
  const emit = (room: string, n: number): string => {
    nsp.to(room).emit("event", { n });
    return lastOffset;
  };
  let lastOffset = "";
  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet, opts) => {
    broadcast(packet, opts);
    lastOffset = (packet.data as unknown[]).at(-1) as string;
  };
  const session = (pid: string, sid: string) => ({ pid, sid, rooms: [sid], data: { user: pid } });
  const restore = async (pid: string, offset: string) => {
    const s = (await adapter.restoreSession(pid, offset)) as unknown as { missedPackets: [string, { n: number }, string][] } | null;
    return s && s.missedPackets.map((p) => p[1].n);
  };
  return { io, adapter, emit, session, restore };
}

describe("BoundedRecoveryAdapter", () => {
  it("replays exactly the packets after the session's offset, addressed to its rooms, in order", async () => {
    const { adapter, emit, session, restore } = serverWith({});
    const offset = emit("sid-a", 1);
    emit("sid-b", 2);
    emit("sid-a", 3);
    emit("sid-a", 4);
    adapter.persistSession(session("pid-a", "sid-a"));
    expect(await restore("pid-a", offset)).toEqual([3, 4]);
  });

  it("keeps at most maxPackets and maxBytes, dropping the oldest; a session whose offset was dropped is not restored", async () => {
    const { adapter, emit, session, restore } = serverWith({ maxPackets: 10 });
    const first = emit("sid-a", 0);
    for (let n = 1; n < 25; n++) emit("sid-a", n);
    expect(adapter.retention).toMatchObject({ packets: 10, droppedPackets: 15 });
    adapter.persistSession(session("pid-a", "sid-a"));
    expect(await restore("pid-a", first)).toBeNull();

    const bySize = serverWith({ maxBytes: 5 * (PACKET_OVERHEAD_BYTES + 64) });
    for (let n = 0; n < 20; n++) bySize.emit("sid-a", n);
    expect(bySize.adapter.retention.bytes).toBeLessThanOrEqual(5 * (PACKET_OVERHEAD_BYTES + 64));
    expect(bySize.adapter.retention.packets).toBeLessThan(20);
    expect(bySize.adapter.retention.packets).toBeGreaterThan(0);
  });

  it("hands a session out once; an unknown offset leaves it to its owner; a session put back is restorable", async () => {
    const { adapter, emit, session, restore } = serverWith({});
    const offset = emit("sid-a", 1);
    emit("sid-a", 2);
    adapter.persistSession(session("pid-a", "sid-a"));
    expect(await restore("pid-a", "made-up")).toBeNull();
    const lent = await adapter.restoreSession("pid-a", offset);
    expect(lent).toMatchObject({ sid: "sid-a", pid: "pid-a" });
    expect(await restore("pid-a", offset)).toBeNull();
    adapter.persistSession(lent);
    expect(await restore("pid-a", offset)).toEqual([2]);
  });

  it("keeps at most maxSessions sessions, dropping the oldest", async () => {
    const { adapter, emit, session, restore } = serverWith({ maxSessions: 2 });
    const offset = emit("sid-x", 0);
    for (const id of ["a", "b", "c"]) adapter.persistSession(session(`pid-${id}`, `sid-${id}`));
    expect(adapter.retention).toMatchObject({ sessions: 2, droppedSessions: 1 });
    expect(await restore("pid-a", offset)).toBeNull();
    expect(await restore("pid-c", offset)).toEqual([]);
  });

  it("keeps nothing for namespaces other than the chat namespace", () => {
    const { io } = serverWith({});
    const inspector = io.of("/inspector");
    inspector.to("sid-a").emit("trace", { n: 1 });
    (inspector.adapter as unknown as BoundedRecoveryAdapter).persistSession({ pid: "p", sid: "s", rooms: [], data: {} });
    expect((inspector.adapter as unknown as BoundedRecoveryAdapter).retention).toMatchObject({ packets: 0, sessions: 0 });
  });
});
