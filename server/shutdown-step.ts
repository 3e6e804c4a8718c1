import type { Logger } from "./logger";

/**
 * One step of a graceful stop, given at most `ms`. A step still running then is logged by name and
 * left behind (the caller may force it), so that a stop never hangs on one part: a supervisor or a
 * test waiting for close() gets it back, and the log says which part held it.
 */
export async function shutdownStep(logger: Logger, step: string, ms: number, work: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([
      work().then(
        () => "done" as const,
        (err: Error) => {
          logger.warn({ step, err: err.message }, "shutdown step failed");
          return "done" as const;
        },
      ),
      late,
    ]);
    if (outcome === "late")
      logger.warn({ step, waited_ms: Date.now() - started }, "shutdown step did not finish in time; going on without it");
    return outcome === "done";
  } finally {
    clearTimeout(timer);
  }
}
