import { describe, expect, it } from "vitest";
import { RunTurns, TURN_SLICE_MS } from "./run-turns";

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe("RunTurns", () => {
  it("serves steps first in, first out, each step's continuation before the next step", async () => {
    const turns = new RunTurns();
    const log: string[] = [];
    const run = async (name: string) => {
      await turns.next();
      log.push(`${name}:1`);
      await turns.next();
      log.push(`${name}:2`);
    };
    const done = Promise.all([run("a"), run("b"), run("c")]);
    await done;
    expect(log).toEqual(["a:1", "b:1", "c:1", "a:2", "b:2", "c:2"]);
  });

  it("lets I/O in between slices: a burst of long steps does not hold the event loop", async () => {
    const turns = new RunTurns();
    const served: number[] = [];
    // 40 steps of 1 ms: about 10 slices of TURN_SLICE_MS. The first step sets a timer due at once, which
    // stands for another user's message: it runs after the first slice, long before the burst is over.
    let timerRan!: Promise<number>;
    for (let i = 0; i < 40; i++)
      turns.enqueue(() => {
        if (i === 0) timerRan = new Promise<number>((resolve) => setTimeout(() => resolve(served.length), 0));
        busy(1);
        served.push(i);
      });
    await new Promise((resolve) => setImmediate(resolve));
    const servedWhenTimerRan = await timerRan;
    expect(servedWhenTimerRan).toBeGreaterThan(0);
    expect(servedWhenTimerRan).toBeLessThanOrEqual(TURN_SLICE_MS + 2);
    await new Promise<void>((resolve) => turns.enqueue(resolve));
    expect(served).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
