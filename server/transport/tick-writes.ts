/**
 * Frames written to one connection in one tick leave in one TCP write.
 *
 * A golden run writes an ack and five events to its socket, a ping an ack and a `pong`; `ws` gives each
 * frame its own `writev` (the loopback TCP path, the largest item in every profile), and engine.io
 * holds every packet after the first in its buffer until the first one's write has called back, a tick
 * later, then writes those one frame each again. Here the tick's frames wait in the socket's buffer
 * (corked) until the tick's code has run, then go in one `writev`. Nothing is reordered or held past
 * the current tick: `process.nextTick` runs before any I/O or timer.
 */

/** The part of a TCP socket this file uses. */
interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
}

/** One socket's cork for the current tick. */
export class TickCork {
  readonly #socket: Corkable;
  #held = false;

  constructor(socket: Corkable) {
    this.#socket = socket;
  }

  /** Holds the socket's writes until the end of this tick (once per tick, however often it is called). */
  hold(): void {
    if (this.#held || this.#socket.destroyed) return;
    this.#held = true;
    this.#socket.cork();
    process.nextTick(this.#release);
  }

  readonly #release = (): void => {
    this.#held = false;
    this.#socket.uncork();
  };
}

/** The part of an engine.io socket this file uses. */
interface EngineSocket {
  flush(): void;
  transport: { name: string; socket?: unknown };
}

/** The connections that asked for a flush during this tick, and engine.io's own flush. */
const due = new Set<EngineSocket>();
let engineFlush: ((this: EngineSocket) => void) | undefined;

/** Flushes every connection due, each under a cork of its TCP socket (once per tick, for all of them). */
function flushDue(): void {
  const list = [...due];
  due.clear();
  for (const conn of list) {
    const tcp = conn.transport.name === "websocket" ? (conn.transport.socket as { _socket?: Corkable } | undefined)?._socket : undefined;
    if (!tcp || tcp.destroyed) {
      engineFlush!.call(conn);
      continue;
    }
    tcp.cork();
    engineFlush!.call(conn);
    tcp.uncork();
  }
}

/** A connection's flush: marks it due; the first of the tick schedules flushDue. No closure per connection. */
function flushThisTick(this: EngineSocket): void {
  if (due.size === 0) process.nextTick(flushDue);
  due.add(this);
}

/**
 * Makes every engine.io connection of `engine` flush once per tick: the packets queued during the tick
 * (acks, events, broadcasts) go to the transport together, and on the WebSocket transport the frames
 * they become leave in one TCP write. The `ws` socket's TCP socket is its `_socket`, which `ws` itself
 * and engine.io (for the remote address) read.
 */
export function flushEngineWritesPerTick(engine: { on(event: "connection", listener: (conn: EngineSocket) => void): unknown }): void {
  engine.on("connection", (conn) => {
    engineFlush ??= (Object.getPrototypeOf(conn) as { flush: (this: EngineSocket) => void }).flush;
    conn.flush = flushThisTick;
  });
}
