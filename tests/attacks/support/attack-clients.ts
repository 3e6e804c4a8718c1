import { io } from "socket.io-client";
import { wrapClient, type TestClient } from "../../support/test-node";
import type { NodeProcess } from "./node-process";

/** Connects a real socket.io-client as `sub` and waits for connection_established. */
export function connectUser(node: NodeProcess, sub: string, role: "user" | "operator" = "user"): Promise<TestClient> {
  const socket = io(node.url, { auth: { token: node.token(sub, role) }, transports: ["websocket"], reconnection: false, forceNew: true });
  return wrapClient(socket, sub);
}

/**
 * Calls `fn` `perSecond` times a second (on a timer, whether or not earlier calls finished) until
 * `until` (epoch ms); resolves with how many calls were made.
 */
export async function paced(perSecond: number, until: number, fn: (i: number) => void): Promise<number> {
  const step = 1000 / perSecond;
  const start = Date.now();
  let i = 0;
  while (Date.now() < until) {
    fn(i++);
    const next = start + i * step;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  return i;
}

/**
 * Creates a thread of `client`'s user and fills it with `count` user messages of `chars` characters
 * (each a run of the built-in agent, whose answer joins the thread too), sent within the rate limit;
 * resolves with the thread id once every run has ended.
 */
export async function fillThread(client: TestClient, count: number, chars: number): Promise<string> {
  const created = await client.send({ type: "create_thread", payload: { title: "attack thread" } });
  const threadId = String(created.thread_id);
  const content = (i: number) => `message ${i}: what is ${i} + 1? ${"x".repeat(chars)}`.slice(0, chars);
  let ended = 0;
  client.socket.on("event", (e: { type: string }) => void (e.type === "agent_completed" || e.type === "agent_error" ? ended++ : 0));
  for (let i = 0; i < count;) {
    const ack = await client.send({ type: "user_message", thread_id: threadId, payload: { content: content(i) } });
    if (ack.ok === true) i++;
    else if ((ack.error as { code?: string } | undefined)?.code === "RATE_LIMITED") await new Promise((r) => setTimeout(r, 100));
    else throw new Error(`filling the thread: ${JSON.stringify(ack)}`);
  }
  const deadline = Date.now() + 60_000;
  while (ended < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (ended < count) throw new Error(`filling the thread: ${ended} of ${count} runs ended`);
  return threadId;
}
