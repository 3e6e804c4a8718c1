// CPU readings of the bench (Linux /proc, 10 ms clock ticks; 0 where /proc is not available): the
// machine, one process, one process's main thread, the shared services, event-loop utilisation, and
// the wait for a quiet machine before a run.
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

const TICK_US = 10_000;

/** User + system microseconds of a `process.cpuUsage()` reading. */
export const cpuUs = (c: NodeJS.CpuUsage): number => c.user + c.system;

/** utime + stime (us) of the text of a /proc/.../stat file. */
function statUs(st: string): number {
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/** utime + stime (us) from a /proc/.../stat file; 0 when it cannot be read (the process exited). */
function statFileUs(path: string): number {
  try {
    return statUs(readFileSync(path, "utf8"));
  } catch {
    return 0;
  }
}

/**
 * CPU microseconds used by this process's main thread (/proc/self/task/<pid>/stat). process.cpuUsage()
 * counts every thread (the SQLite writer, GC helpers); this is the router's event loop alone.
 */
export const mainThreadCpuUs = (): number => statFileUs(`/proc/self/task/${process.pid}/stat`);

/** CPU microseconds used so far by another process (all its threads), from /proc/<pid>/stat. */
export const pidCpuUs = (pid: number): number => statFileUs(`/proc/${pid}/stat`);

/** A machine-wide reading: busy CPU (us, all cores) from /proc/stat, and when it was taken. */
export interface MachineCpu {
  busyUs: number;
  at: number;
}

/** Machine-wide busy CPU (user nice system irq softirq steal, all cores) from /proc/stat, and the time. */
export function machineCpu(): MachineCpu {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return { busyUs: (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) * TICK_US, at: performance.now() };
  } catch {
    return { busyUs: 0, at: performance.now() };
  }
}

/** CPU used by other processes (% of one core) between two machine readings, given our own CPU (us) meanwhile. */
export function foreignPct(a: MachineCpu, b: MachineCpu, oursUs: number): number {
  const wallUs = (b.at - a.at) * 1000;
  if (wallUs <= 0 || a.busyUs === 0) return 0;
  return Math.max(0, ((b.busyUs - a.busyUs - oursUs) / wallUs) * 100);
}

/** CPU (us) of the shared services' processes (redis-server, postgres): a cluster run's hidden cost. */
export function servicesCpuUs(): number {
  let us = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const st = readFileSync(`/proc/${pid}/stat`, "utf8");
        const comm = st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"));
        if (comm.startsWith("redis-server") || comm.startsWith("postgres")) us += statUs(st);
      } catch {
        // exited
      }
    }
  } catch {
    return 0;
  }
  return us;
}

/** Event-loop utilisation between two `performance.eventLoopUtilization()` readings (0..1). */
export function eluBetween(a: { idle: number; active: number }, b: { idle: number; active: number }): number {
  const active = b.active - a.active;
  const idle = b.idle - a.idle;
  return active + idle > 0 ? active / (active + idle) : 0;
}

/**
 * Before a run, samples until other processes use less than 30% of one core over a sample (or `maxMs`
 * passed): builds and tests of other engineers on a shared machine skew a run badly. `oursUs` counts
 * the bench's own CPU so far; returns the last reading (% of one core).
 */
export async function waitQuiet(o: {
  maxMs: number;
  sampleMs: number;
  oursUs: () => number;
  onBusy?: (pct: number) => void;
}): Promise<number> {
  const deadline = performance.now() + o.maxMs;
  for (;;) {
    const own0 = o.oursUs();
    const a = machineCpu();
    await sleep(o.sampleMs);
    const load = foreignPct(a, machineCpu(), o.oursUs() - own0);
    if (load < 30 || performance.now() >= deadline) return load;
    o.onBusy?.(load);
  }
}
