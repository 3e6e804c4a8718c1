import { readFileSync } from "node:fs";

/**
 * CPU microseconds used by this process's main thread (Linux: /proc/self/task/<pid>/stat, in clock
 * ticks of 10 ms). process.cpuUsage() counts every thread (the SQLite writer, GC helpers); this is the
 * router's event loop alone. 0 where /proc is not available.
 */
export function mainThreadCpuUs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}
