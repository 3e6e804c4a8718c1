import { test as base, expect, type Page } from "@playwright/test";
import { SignJWT } from "jose";
import { SwitchyardClient } from "../client/src/index";
import type { Ack } from "../contract/ack";
import type { ClientEnvelope, Faults } from "../contract/client-messages";
import type { ServerEvent } from "../contract/server-events";

/** Must match scripts/e2e-server.mjs: tests mint their own tokens with the server's secret. */
export const AUTH_SECRET = "e2e-secret-please-change-0123456789";
export const SERVER_URL = `http://127.0.0.1:${process.env.E2E_PORT ?? 3107}`;

export type Role = "user" | "operator";

/** A HS256 token as `npm run token` would mint it. */
export async function mintToken(sub: string, role: Role = "user", ttlSeconds = 3600): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(AUTH_SECRET));
}

/** A user id no other test (or earlier run against the same server) has used. */
export function uniqueUser(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** A real chat client on the `/` namespace, as a product would connect: a thin wrapper over `switchyard/client`. */
export class ChatClient {
  readonly events: ServerEvent[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(
    readonly userId: string,
    readonly client: SwitchyardClient,
  ) {
    client.onAny((evt) => {
      this.events.push(evt);
      for (const w of this.#waiters) w();
    });
  }

  /** The underlying socket, typed from the contract's event maps. */
  get socket(): SwitchyardClient["socket"] {
    return this.client.socket;
  }

  static async connect(userId: string): Promise<ChatClient> {
    const token = await mintToken(userId, "user");
    try {
      // Every client is its own connection (forceNew), even for the same user; no reconnection in tests.
      const client = await SwitchyardClient.connect(SERVER_URL, { token, reconnection: false, ackTimeoutMs: 15_000 });
      return new ChatClient(userId, client);
    } catch (err) {
      throw new Error(`connect failed for ${userId}: ${(err as Error).message}`);
    }
  }

  async send(envelope: ClientEnvelope): Promise<Ack> {
    return this.client.sendEnvelope(envelope);
  }

  /** Waits until an event matching `pred` has arrived (including ones already received). */
  async waitFor(pred: (e: ServerEvent) => boolean, timeoutMs = 30_000): Promise<ServerEvent> {
    const found = this.events.find(pred);
    if (found) return found;
    return new Promise<ServerEvent>((resolve, reject) => {
      const check = () => {
        const e = this.events.find(pred);
        if (!e) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${this.userId}: no matching event within ${timeoutMs} ms (got ${this.events.map((e) => e.type).join(", ")})`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Sends a user_message and waits for its run to end; returns the run id and how it ended. */
  async run(content: string, simulate?: Faults): Promise<{ runId: string; end: ServerEvent }> {
    return this.#runToEnd(content, simulate ? { simulate } : {});
  }

  /** Sends start_agent to a named agent and waits for its run to end; returns the run id and how it ended. */
  async runAgent(content: string, agentName: string): Promise<{ runId: string; end: ServerEvent }> {
    return this.#runToEnd(content, { agent: agentName });
  }

  close(): void {
    this.client.close();
  }

  async #runToEnd(
    content: string,
    options: { simulate?: Faults; agent?: string },
    timeoutMs = 30_000,
  ): Promise<{ runId: string; end: ServerEvent }> {
    const handle = this.client.run(content, options);
    const { run_id: runId } = await handle.acked();
    if (!runId) throw new Error("the ack carries no run_id");
    const end = await this.waitFor((e) => e.run_id === runId && (e.type === "agent_completed" || e.type === "agent_error"), timeoutMs);
    return { runId, end };
  }
}

/** Logs the page's browser context in as an operator through the same endpoint the login form uses. */
export async function loginAsOperator(page: Page, sub = "e2e-operator"): Promise<void> {
  const token = await mintToken(sub, "operator");
  const res = await page.request.post("/api/session", { data: { token } });
  expect(res.status(), await res.text()).toBe(200);
}

interface Fixtures {
  /** A page whose context carries the operator cookie. */
  operatorPage: Page;
  /** Opens chat clients that are closed after the test. */
  chat: (userId: string) => Promise<ChatClient>;
}

export const test = base.extend<Fixtures>({
  operatorPage: async ({ page }, use) => {
    await loginAsOperator(page);
    await use(page);
  },
  // Playwright reads the fixture's dependencies from this pattern, so it must be an (empty) object pattern.
  // eslint-disable-next-line no-empty-pattern
  chat: async ({}, use) => {
    const clients: ChatClient[] = [];
    await use(async (userId) => {
      const c = await ChatClient.connect(userId);
      clients.push(c);
      return c;
    });
    for (const c of clients) c.close();
  },
});

export { expect };
