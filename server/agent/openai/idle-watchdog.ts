/**
 * Aborts one model turn's request when nothing came from the agent for `timeoutMs` (AGENT_TIMEOUT), or
 * at once when the run is stopped. `touch()` on every stream event restarts the wait.
 */
export class IdleWatchdog {
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  readonly #runSignal: AbortSignal;
  readonly #onRunAbort = () => this.#controller.abort();
  #timer: NodeJS.Timeout | undefined;
  #deadline = 0;
  #timedOut = false;

  constructor(timeoutMs: number, runSignal: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.#runSignal = runSignal;
    if (runSignal.aborted) this.#controller.abort();
    else runSignal.addEventListener("abort", this.#onRunAbort, { once: true });
    this.touch();
  }

  /** Aborted on a timeout or when the run stops: the signal for the SDK request. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when this watchdog aborted the request for silence. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** An event arrived: the wait for the next one starts over. */
  touch(): void {
    if (this.#controller.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#deadline = Date.now() + this.#timeoutMs;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort();
    }, this.#timeoutMs);
    this.#timer.unref();
  }

  /** Milliseconds left before the timeout. */
  remainingMs(): number {
    return Math.max(0, this.#deadline - Date.now());
  }

  /** Waits `ms` (a retry's backoff), resolving early when the request is aborted. */
  sleep(ms: number): Promise<void> {
    const signal = this.#controller.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Stops the timer and lets go of the run's signal. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#runSignal.removeEventListener("abort", this.#onRunAbort);
  }
}
