/** What can stop reading a connection for a while: a `ws` WebSocket (`pause` stops its TCP socket). */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export function isPausable(v: unknown): v is Pausable {
  return typeof v === "object" && v !== null && typeof (v as Pausable).pause === "function" && typeof (v as Pausable).resume === "function";
}

/**
 * One socket's read gate: every reason to stop reading a connection for a while (a flood past its rate
 * budget, a stream of oversized frames) asks it for a hold, and the socket is read again only when the
 * longest hold has ended. TCP then holds the sender back; what it already sent is still answered, in
 * order, and the connection stays.
 */
class ReadGate {
  readonly #socket: Pausable;
  #until = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(socket: Pausable) {
    this.#socket = socket;
  }

  hold(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.#until) return;
    if (this.#timer === undefined) this.#socket.pause();
    else clearTimeout(this.#timer);
    this.#until = until;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#until = 0;
      this.#socket.resume();
    }, ms);
    this.#timer.unref();
  }
}

const gates = new WeakMap<Pausable, ReadGate>();

/** Stops reading `socket` for `ms` (longer if another hold on it lasts longer); not at all when it cannot be paused. */
export function holdReading(socket: unknown, ms: number): void {
  if (!isPausable(socket) || ms <= 0) return;
  let gate = gates.get(socket);
  if (!gate) gates.set(socket, (gate = new ReadGate(socket)));
  gate.hold(ms);
}
