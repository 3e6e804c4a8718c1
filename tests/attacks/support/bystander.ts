import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { BystanderMessage, PingSample } from "./bystander-process";

/** The bystander's pings as the test process collects them. */
export interface Bystander {
  /** Every ping answered or refused so far, plus those still unanswered (their time so far); resets nothing. */
  samples(): Promise<PingSample[]>;
  /** Why the bystander's socket closed, if it did. */
  disconnected(): string | undefined;
  close(): void;
}

/**
 * Starts the bystander process (bystander-process.ts) for `url` with `token`, and resolves once its
 * socket is connected and it has started pinging.
 */
export function startBystander(url: string, token: string): Promise<Bystander> {
  const child: ChildProcess = fork(join(import.meta.dirname, "bystander-process.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BYSTANDER_URL: url, BYSTANDER_TOKEN: token },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const answered: PingSample[] = [];
  let disconnected: string | undefined;
  let flushed: ((m: Extract<BystanderMessage, { type: "flushed" }>) => void) | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the bystander did not connect within 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`the bystander exited (${code}) before connecting`)));
    child.on("message", (m: BystanderMessage) => {
      if (m.type === "samples") answered.push(...m.samples);
      else if (m.type === "flushed") {
        answered.push(...m.samples);
        flushed?.(m);
      } else if (m.type === "disconnected") disconnected = m.reason;
      else if (m.type === "error") reject(new Error(`the bystander could not connect: ${m.message}`));
      else if (m.type === "ready") {
        clearTimeout(timer);
        resolve({
          samples: () =>
            new Promise((done) => {
              const late = setTimeout(() => done([...answered]), 5_000);
              flushed = (f) => {
                clearTimeout(late);
                done([...answered, ...f.open]);
              };
              if (child.connected) child.send({ type: "flush" });
            }),
          disconnected: () => disconnected,
          close: () => void child.kill(),
        });
      }
    });
  });
}
