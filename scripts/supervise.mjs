// `node scripts/supervise.mjs -- <command...>`: runs a command and starts it again when it dies.
// `npm start` (scripts/start.mjs) runs the node under it; docs/deploy.md says when to use systemd instead.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { pathToFileURL } from "node:url";

/** The signals the supervisor forwards to the child: a stop the operator asked for, never restarted. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM"];

/**
 * The restart policy: wait `backoffMs` before the first restart, doubling up to `maxBackoffMs`; a child
 * that stayed up `stableMs` starts the doubling again from `backoffMs`; after `maxCrashes` crashes within
 * `crashWindowMs` the supervisor gives up and exits non-zero (a node that cannot stay up is a page for a
 * human, not a loop).
 */
export const DEFAULT_POLICY = { backoffMs: 1_000, maxBackoffMs: 30_000, stableMs: 60_000, maxCrashes: 10, crashWindowMs: 300_000 };

/** The policy with the `SUPERVISOR_*` environment variables that are set (docs/deploy.md). */
export function policyFromEnv(env = process.env) {
  const policy = { ...DEFAULT_POLICY };
  const names = {
    backoffMs: "SUPERVISOR_BACKOFF_MS",
    maxBackoffMs: "SUPERVISOR_MAX_BACKOFF_MS",
    stableMs: "SUPERVISOR_STABLE_MS",
    maxCrashes: "SUPERVISOR_MAX_CRASHES",
    crashWindowMs: "SUPERVISOR_CRASH_WINDOW_MS",
  };
  for (const [key, name] of Object.entries(names)) {
    if (env[name] === undefined || env[name] === "") continue;
    const value = Number(env[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${env[name]}".`);
    policy[key] = value;
  }
  return policy;
}

/** A shell's exit code for a process ended by `signal` (128 + its number). */
function signalExitCode(signal) {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Runs `command` with `args` (stdio inherited) and restarts it whenever it exits abnormally: a non-zero
 * code, or a signal that the supervisor did not forward (kill -9, the abort of "JavaScript heap out of
 * memory"). SIGINT and SIGTERM are forwarded to the child; after such a stop, or a child's own exit 0, the
 * promise resolves with the child's exit code and nothing is restarted. Logs one line per restart.
 */
export function supervise(command, args, { env = process.env, cwd = process.cwd(), policy = DEFAULT_POLICY, log } = {}) {
  const write = log ?? ((line) => process.stderr.write(`[supervisor] ${line}\n`));
  return new Promise((resolveExit) => {
    let child = null;
    let stopSignal = null;
    let restartTimer = null;
    let delay = policy.backoffMs;
    const crashes = [];

    const finish = (code) => {
      clearTimeout(restartTimer);
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolveExit(code);
    };
    const handlers = STOP_SIGNALS.map((signal) => {
      const handler = () => {
        stopSignal = signal;
        if (child) child.kill(signal);
        else finish(0); // between two runs: nothing to stop
      };
      process.on(signal, handler);
      return [signal, handler];
    });

    const start = () => {
      const startedAt = Date.now();
      const current = spawn(command, args, { cwd, env, stdio: "inherit" });
      child = current;
      current.once("error", (err) => {
        // The command could not be started at all (not found, not executable): restarting will not help.
        write(`cannot start ${command}: ${err.message}`);
        child = null;
        finish(127);
      });
      current.once("exit", (code, signal) => {
        if (child !== current) return; // already handled as a spawn error
        child = null;
        const exitCode = code ?? signalExitCode(signal);
        if (stopSignal || exitCode === 0) return finish(exitCode);
        const now = Date.now();
        const upMs = now - startedAt;
        if (upMs >= policy.stableMs) delay = policy.backoffMs;
        crashes.push(now);
        while (crashes[0] <= now - policy.crashWindowMs) crashes.shift();
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (crashes.length >= policy.maxCrashes) {
          write(`child exited (${how}) after ${upMs} ms; ${crashes.length} crashes within ${policy.crashWindowMs} ms: giving up`);
          return finish(exitCode);
        }
        write(
          `child exited (${how}) after ${upMs} ms; restarting in ${delay} ms (crash ${crashes.length} of ${policy.maxCrashes} allowed within ${policy.crashWindowMs} ms)`,
        );
        restartTimer = setTimeout(start, delay);
        delay = Math.min(delay * 2, policy.maxBackoffMs);
      });
    };
    start();
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dash = process.argv.indexOf("--", 2);
  const [command, ...args] = dash === -1 ? [] : process.argv.slice(dash + 1);
  if (!command) {
    process.stderr.write("usage: node scripts/supervise.mjs -- <command> [args...]\n");
    process.exit(2);
  }
  process.exit(await supervise(command, args, { policy: policyFromEnv() }));
}
