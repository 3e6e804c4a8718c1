// The process harness of the bench: forks a server or generator script under tsx with an IPC channel,
// waits for its messages with a timeout, asks it things by request id, stops it (SIGKILL after a
// grace period), and kills every child still running when the orchestrator exits or is interrupted.
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";

const ROOT = new URL("../../..", import.meta.url).pathname;
const BENCH_DIR = new URL("..", import.meta.url).pathname;

/** Every message a bench child sends has a type; "error" carries a failure of the child. */
interface ChildMessage {
  type: string;
}

/** A forked bench script and its IPC channel; `In` is what it accepts, `Out` what it sends. */
export interface BenchChild<In extends object, Out extends ChildMessage> {
  process: ChildProcess;
  /** Sends a message if the channel is still open (a child that is gone is reported by the waiters). */
  send(msg: In): void;
  /** Waits for a message `pick` accepts; rejects on timeout, on the child's exit or on an "error" message. */
  waitFor<R>(pick: (m: Out) => R | undefined, timeoutMs: number, what: string): Promise<R>;
  /** Sends `make(id)` with a fresh id and waits for the answer `pick(m, id)` accepts. */
  request<R>(make: (id: number) => In, pick: (m: Out, id: number) => R | undefined, timeoutMs: number, what: string): Promise<R>;
  /** Calls `fn` with every message the child sends. */
  onMessage(fn: (m: Out) => void): void;
  /** Sends `exitMsg` and waits for the exit, killing the child after `graceMs`. */
  stop(exitMsg: In, graceMs: number): Promise<void>;
}

const children = new Set<ChildProcess>();
let requestId = 0;

/** SIGKILLs every bench child still running (the orchestrator is exiting). */
export function killAllChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Kills the children when the orchestrator exits; on SIGINT/SIGTERM/SIGHUP announces it, kills them, runs `cleanup`, exits 130. */
export function killChildrenOnExit(announce: (sig: string) => void, cleanup: () => Promise<unknown> = async () => undefined): void {
  process.on("exit", killAllChildren);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      announce(sig);
      killAllChildren();
      void cleanup().finally(() => process.exit(130));
    });
  }
}

/** Forks `file` (relative to scripts/bench) under tsx with IPC, stderr kept for error messages. */
export function spawnChild<In extends object, Out extends ChildMessage>(
  file: string,
  env: Record<string, string | undefined>,
  execArgv: string[] = [],
): BenchChild<In, Out> {
  const child = fork(join(BENCH_DIR, file), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  children.add(child);
  child.on("error", () => undefined); // IPC to an exited child: the waiters report the exit
  child.once("exit", () => children.delete(child));
  let tail = "";
  child.stderr!.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  const stderrTail = () => tail.trim().split("\n").slice(-8).join("\n");
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const waitFor = <R>(pick: (m: Out) => R | undefined, timeoutMs: number, what: string): Promise<R> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Out) => {
        if (m.type === "error") return done(new Error(`${what}: ${(m as unknown as { message: string }).message}`));
        const r = pick(m);
        if (r !== undefined) done(null, r);
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(new Error(`${what}: process exited (${signal ?? code}) ${stderrTail()}`));
      const timer = setTimeout(
        () => done(new Error(`${what}: no answer within ${Math.round(timeoutMs / 1000)} s ${stderrTail()}`)),
        timeoutMs,
      );
      function done(err: Error | null, value?: R) {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (err) reject(err);
        else resolve(value as R);
      }
      if (gone()) return done(new Error(`${what}: process exited (${child.signalCode ?? child.exitCode}) ${stderrTail()}`));
      child.on("message", onMessage);
      child.on("exit", onExit);
    });

  const send = (msg: In) => {
    if (child.connected) child.send(msg);
  };

  return {
    process: child,
    send,
    waitFor,
    request(make, pick, timeoutMs, what) {
      const id = ++requestId;
      const answer = waitFor((m) => pick(m, id), timeoutMs, what);
      send(make(id));
      return answer;
    },
    onMessage(fn) {
      child.on("message", fn);
    },
    async stop(exitMsg, graceMs) {
      if (gone()) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        send(exitMsg);
      } catch {
        // already gone
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
