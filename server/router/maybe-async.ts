/**
 * The router's synchronous fast path in one place: a step answers at once when nothing had to wait (a
 * ping acks without a promise or a microtask hop) and returns a promise only when a handler or an
 * ownership lookup awaits. Nothing outside server/router sees a MaybePromise.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Runs `step`, then `ok` with its value or `fail` with what it threw: synchronously when `step` was. */
export function andThen<T, R>(
  step: () => MaybePromise<T>,
  ok: (value: T) => MaybePromise<R>,
  fail: (thrown: unknown) => R,
): MaybePromise<R> {
  let value: MaybePromise<T>;
  try {
    value = step();
  } catch (thrown) {
    return fail(thrown);
  }
  if (value instanceof Promise) return value.then(ok, fail);
  try {
    return ok(value);
  } catch (thrown) {
    return fail(thrown);
  }
}

/** Hands a value to `use` once it is there (at once when it already is). */
export function whenReady<T>(value: MaybePromise<T>, use: (value: T) => void): void {
  if (value instanceof Promise) void value.then(use);
  else use(value);
}
