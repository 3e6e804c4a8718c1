import { spawn, type ChildProcess } from "node:child_process";

/** A private redis-server a test may stop and start (never the shared one on 6379). */
export class PrivateRedis {
  #proc: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#proc = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await this.#answers()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  }

  #answers(): Promise<boolean> {
    return new Promise((resolve) => {
      import("node:net").then(
        ({ connect }) => {
          const s = connect(this.port, "127.0.0.1");
          s.once("connect", () => {
            s.end();
            resolve(true);
          });
          s.once("error", () => resolve(false));
        },
        () => resolve(false),
      );
    });
  }
}
