import { describe, expect, it } from "vitest";
import { WriteScheduler } from "./write-scheduler";

/** A writer whose writes finish only when the test says so; it logs each write's kind. */
function harness() {
  const log: string[] = [];
  const inFlight: (() => void)[] = [];
  let records = 0;
  const scheduler = new WriteScheduler(
    (full) => {
      log.push(full ? `full(${records})` : `records(${records})`);
      records = 0;
      return new Promise<boolean>((resolve) => inFlight.push(() => resolve(true)));
    },
    () => records > 0,
  );
  const finishOne = async () => {
    inFlight.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { log, scheduler, queueRecord: () => (records++, scheduler.commitSoon()), finishOne, inFlight };
}

describe("WriteScheduler", () => {
  it("group-commits the records of one I/O turn in one write", async () => {
    const h = harness();
    h.queueRecord();
    h.queueRecord();
    h.queueRecord();
    await new Promise((r) => setImmediate(r));
    expect(h.log).toEqual(["records(3)"]);
    await h.finishOne();
    expect(h.log).toEqual(["records(3)"]);
  });

  it("records queued during a full write go in the next write, with the full write asked for meanwhile", async () => {
    const h = harness();
    const first = h.scheduler.full();
    expect(h.log).toEqual(["full(0)"]);
    // While the full write is in flight: a record, and another full write is asked for.
    h.queueRecord();
    const second = h.scheduler.full();
    await h.finishOne();
    await first;
    expect(h.log).toEqual(["full(0)", "full(1)"]);
    await h.finishOne();
    await second;
    expect(h.inFlight).toHaveLength(0);
  });

  it("idle() waits for every write of the loop, including one that no caller asked for", async () => {
    const h = harness();
    const first = h.scheduler.full();
    h.queueRecord();
    await h.finishOne();
    await first;
    // The loop went on by itself with the record: idle() resolves only after that write too.
    let idle = false;
    const settled = h.scheduler.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    await h.finishOne();
    await settled;
    expect(h.log).toEqual(["full(0)", "records(1)"]);
  });

  it("a failed write stops the loop until a full write is asked for", async () => {
    const log: boolean[] = [];
    const records = 1;
    // As Persistence does: records are not due while the database is known to be down.
    let healthy = true;
    const scheduler = new WriteScheduler(
      (full) => {
        log.push(full);
        healthy = false;
        return Promise.resolve(false);
      },
      () => healthy && records > 0,
    );
    scheduler.commitSoon();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual([false]);
    await scheduler.full();
    expect(log).toEqual([false, true]);
  });
});
