import { randomUUID } from "node:crypto";
import { HttpAgent } from "@ag-ui/client";
import type { BaseEvent, Message, RunAgentInput } from "@ag-ui/core";

/**
 * Clients of Switchyard's AG-UI endpoint for the tests: @ag-ui/client's real HttpAgent (its parser,
 * verification and message assembly), and raw fetch for what HttpAgent hides (status, headers, bytes).
 */

/** One run through HttpAgent: the events it verified, the messages it assembled, the response headers. */
export interface AgUiRunResult {
  agent: HttpAgent;
  events: BaseEvent[];
  messages: Message[];
  headers: Headers;
  runId: string;
}

export interface AgUiRunOptions {
  /** The endpoint URL (`<node>/ag-ui/<agent>` or `<node>/ag-ui`). */
  url: string;
  token: string;
  content: string;
  threadId?: string;
  runId?: string;
  forwardedProps?: Record<string, unknown>;
  /** Called with the response headers as soon as they arrive (before the run ends). */
  onHeaders?: (headers: Headers) => void;
  /** The conversation so far (a follow-up run in the same threadId sends it, as a client would). */
  history?: Message[];
}

/** Runs `content` through a real HttpAgent and resolves once `runAgent` has (it rejects on any verification error). */
export async function runThroughHttpAgent(o: AgUiRunOptions): Promise<AgUiRunResult> {
  let headers: Headers | undefined;
  const agent = new HttpAgent({
    url: o.url,
    headers: { Authorization: `Bearer ${o.token}` },
    threadId: o.threadId ?? `client-thread-${randomUUID()}`,
    initialMessages: o.history,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      headers = res.headers;
      o.onHeaders?.(res.headers);
      return res;
    },
  });
  const runId = o.runId ?? `client-run-${randomUUID()}`;
  agent.addMessage({ id: `msg-${randomUUID()}`, role: "user", content: o.content });
  const events: BaseEvent[] = [];
  await agent.runAgent({ runId, forwardedProps: o.forwardedProps }, { onEvent: ({ event }) => void events.push(event) });
  return { agent, events, messages: agent.messages, headers: headers ?? new Headers(), runId };
}

/** A RunAgentInput with one user message (or the messages given). */
export function runInput(content: string, extra: Partial<RunAgentInput> = {}): RunAgentInput {
  return {
    threadId: `client-thread-${randomUUID()}`,
    runId: `client-run-${randomUUID()}`,
    messages: [{ id: `msg-${randomUUID()}`, role: "user", content }],
    tools: [],
    context: [],
    state: {},
    forwardedProps: {},
    ...extra,
  };
}

/** POSTs a body (an object as JSON, or a string as is) to the endpoint with a bearer token (none when null). */
export function postAgUi(
  url: string,
  token: string | null,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal; method?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "text/event-stream", ...init.headers };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return fetch(url, {
    method: init.method ?? "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

/** Reads an SSE response as its raw text frames and the AG-UI events of its `data:` lines, until it ends or `until` says stop. */
export async function readEvents(
  res: Response,
  until: (event: BaseEvent) => boolean = () => false,
): Promise<{ events: BaseEvent[]; frames: string[] }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: BaseEvent[] = [];
  const frames: string[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      frames.push(frame);
      if (!frame.startsWith("data: ")) continue;
      const event = JSON.parse(frame.slice("data: ".length)) as BaseEvent;
      events.push(event);
      if (until(event)) {
        await reader.cancel().catch(() => undefined);
        return { events, frames };
      }
    }
  }
  return { events, frames };
}
