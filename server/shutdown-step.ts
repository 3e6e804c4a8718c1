import type { Logger } from "./logger";

/**
 * Whether `work` settles (resolves or rejects: the caller handles which) within `ms`. The deadline's
 * timer keeps the process alive only when `keepAlive` is set.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number, keepAlive = false): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    if (!keepAlive) timer.unref();
  });
  try {
    return await Promise.race([work.then(settled, settled), late]);
  } finally {
    clearTimeout(timer);
  }
}

const settled = (): true => true;

/**
 * One step of a graceful stop, given at most `ms`. A step still running then is logged by name and
 * left behind (the caller may force it), so that a stop never hangs on one part: a supervisor or a
 * test waiting for close() gets it back, and the log says which part held it.
 */
export async function shutdownStep(logger: Logger, step: string, ms: number, work: () => Promise<unknown>): Promise<boolean> {
  const started = Date.now();
  const done = await settlesWithin(
    work().catch((err: Error) => logger.warn({ step, err: err.message }, "shutdown step failed")),
    ms,
  );
  if (!done) logger.warn({ step, waited_ms: Date.now() - started }, "shutdown step did not finish in time; going on without it");
  return done;
}
