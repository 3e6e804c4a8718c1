import { isPausable } from "./oversized-intake";

/**
 * Stops reading one connection for a while: TCP then holds its sender back (what it already sent is
 * still answered, in order, and the connection stays). Used when a client floods past its rate budget:
 * refusing each message is cheap, but reading, parsing and answering thousands a second is not.
 */
export class ReadHold {
  readonly #target: () => unknown;
  #timer: NodeJS.Timeout | undefined;

  /** `target` is looked up at each hold: a Socket.IO connection's transport may change (polling -> websocket). */
  constructor(target: () => unknown) {
    this.#target = target;
  }

  /** Pauses reading for `ms` (no-op while already held, or when the transport cannot be paused). */
  hold(ms: number): void {
    if (this.#timer) return;
    const target = this.#target();
    if (!isPausable(target)) return;
    target.pause();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      target.resume();
    }, ms);
    this.#timer.unref();
  }
}
