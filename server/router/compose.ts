/** A middleware of the router's one chain: do work, then `await next()` to continue (or return to stop). */
export type Middleware<C> = (ctx: C, next: () => Promise<void>) => Promise<void> | void;

/**
 * Composes middlewares into one onion, Hono/Koa style. Calling `next()` twice in one middleware is a
 * programming error and throws, because it would run the rest of the chain twice.
 */
export function compose<C>(middlewares: readonly Middleware<C>[]): (ctx: C) => Promise<void> {
  return (ctx) => {
    let index = -1;
    const dispatch = async (i: number): Promise<void> => {
      if (i <= index) throw new Error("next() called more than once in one middleware; did you forget to return after it?");
      index = i;
      const mw = middlewares[i];
      if (mw) await mw(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}
