import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { io, type Socket } from "socket.io-client";

const ROOT = join(import.meta.dirname, "../..");
const CHILD_NODE = join(import.meta.dirname, "child-node.ts");

/** A node started by spawnChildNode: its process at once, its URL once it listens. */
export interface ChildNode {
  child: ChildProcess;
  /** Resolves with the node's URL once it printed its port; rejects when it exits first or takes over `startMs`. */
  listening: Promise<string>;
}

/**
 * Starts a Switchyard node in a process of its own (tests/support/child-node.ts: server/index.ts without
 * Next.js pages) on a free port of 127.0.0.1, configured by this process's environment and `env` on top,
 * so that a test can kill it without a goodbye, watch its memory, or start another on the same data.
 * `stderr: "pipe"` leaves the node's stderr to the caller (attach a listener before awaiting `listening`).
 */
export function spawnChildNode(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; stderr?: "inherit" | "pipe"; startMs?: number } = {},
): ChildNode {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", CHILD_NODE], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", options.stderr ?? "inherit"],
  });
  const listening = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    child.once("exit", (code) => reject(new Error(`the node exited (${code}) before listening`)));
    setTimeout(() => reject(new Error(`the node did not start within ${options.startMs ?? 30_000} ms`)), options.startMs ?? 30_000).unref();
  });
  return { child, listening };
}

/** A Socket.IO connection to `url` with this token (websocket only, no reconnection), once it is connected. */
export async function connectedSocket(url: string, token: string): Promise<Socket> {
  const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}
