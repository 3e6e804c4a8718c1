/** A middleware of the router's one chain: do work, then `return next()` to continue (or return to stop). */
export type Middleware<C> = (ctx: C, next: () => Promise<void> | void) => Promise<void> | void;

/**
 * Composes middlewares into one onion, Hono/Koa style. Synchronous middlewares stay synchronous (no
 * promise per step on the hot path); the chain returns a promise only when a middleware does. Calling
 * `next()` twice in one middleware is a programming error and throws, because it would run the rest of
 * the chain twice.
 */
export function compose<C>(middlewares: readonly Middleware<C>[]): (ctx: C) => Promise<void> | void {
  return (ctx) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> | void => {
      if (i <= index) throw new Error("next() called more than once in one middleware; did you forget to return after it?");
      index = i;
      const mw = middlewares[i];
      return mw ? mw(ctx, () => dispatch(i + 1)) : undefined;
    };
    return dispatch(0);
  };
}
