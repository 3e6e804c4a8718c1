import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real OpenAI-compatible chat completions server for tests (node:http on 127.0.0.1, port 0), speaking
 * the streaming wire format: `text/event-stream`, one `data: {chat.completion.chunk}` line per event, a
 * final usage chunk with `choices: []` when the request asked for `stream_options.include_usage`, then
 * `data: [DONE]`. Each test registers a script under its own path prefix (`/<name>/v1` is the agent's
 * `base_url`), so one server serves every agent of a file; every request is recorded.
 */

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body (null when it was not JSON). */
  body: any;
  /** Resolves when the client closed the connection before the server ended its answer. */
  clientClosed: Promise<void>;
  /** True once the client closed the connection before the server ended its answer. */
  closedEarly: boolean;
}

/** Answers one request: a script calls these in order. */
export interface ModelReply {
  /** Sends one chunk with this `delta` (and `finish_reason`, default null). */
  delta(delta: Record<string, unknown>, finishReason?: string | null): void;
  /** One content delta. */
  text(content: string): void;
  /** One fragment of the tool call at `index`. */
  toolCall(index: number, fragment: { id?: string; name?: string; arguments?: string }): void;
  /** A chunk with an empty delta and this `finish_reason`. */
  finish(reason: string): void;
  /** The usage chunk (`choices: []`), sent only when the request asked for it. */
  usage(promptTokens: number, completionTokens: number): void;
  /** `data: [DONE]` and the end of the response. */
  done(): void;
  /** Ends the response without `[DONE]`. */
  end(): void;
  /** Writes raw bytes of the event stream (after the headers). */
  raw(text: string): void;
  /** Answers with an HTTP error status and a JSON body (no stream). */
  fail(status: number, body: unknown): void;
  /** Drops the connection at once, without ending the response. */
  cut(): void;
}

/** What a test scripts for each request to its agent (`index` counts that agent's requests from 0). */
export type ModelScript = (reply: ModelReply, request: RecordedRequest, index: number) => void | Promise<void>;

/** The test server: scripts by name, recorded requests by name. */
export interface OpenAiCompatibleServer {
  /** Registers (or replaces) the script behind `/<name>/v1`; returns that base_url. */
  script(name: string, script: ModelScript): string;
  /** The base_url of `name` (whether or not it has a script yet). */
  baseUrl(name: string): string;
  /** The requests received for `name`, in order. */
  requests(name: string): RecordedRequest[];
  close(): Promise<void>;
}

const CHUNK_BASE = { object: "chat.completion.chunk", created: 1_700_000_000, model: "test-model" };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function replyTo(res: ServerResponse, request: RecordedRequest, id: string): ModelReply {
  const includeUsage = request.body?.stream_options?.include_usage === true;
  const model = typeof request.body?.model === "string" ? request.body.model : CHUNK_BASE.model;
  const open = () => {
    if (!res.headersSent)
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  };
  const send = (data: unknown) => {
    open();
    if (!res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => send({ id, ...CHUNK_BASE, model, choices, ...extra });
  const reply: ModelReply = {
    delta: (delta, finishReason = null) => chunk([{ index: 0, delta, finish_reason: finishReason }]),
    text: (content) => reply.delta({ content }),
    toolCall: (index, f) =>
      reply.delta({
        tool_calls: [
          {
            index,
            ...(f.id !== undefined ? { id: f.id, type: "function" } : {}),
            function: {
              ...(f.name !== undefined ? { name: f.name } : {}),
              ...(f.arguments !== undefined ? { arguments: f.arguments } : {}),
            },
          },
        ],
      }),
    finish: (reason) => reply.delta({}, reason),
    usage: (prompt, completion) => {
      if (includeUsage) chunk([], { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });
    },
    done: () => {
      open();
      if (!res.destroyed) res.end("data: [DONE]\n\n");
    },
    end: () => {
      open();
      if (!res.destroyed) res.end();
    },
    raw: (text) => {
      open();
      if (!res.destroyed) res.write(text);
    },
    fail: (status, body) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    },
    cut: () => {
      res.socket?.destroy();
    },
  };
  return reply;
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startOpenAiCompatibleServer(): Promise<OpenAiCompatibleServer> {
  const scripts = new Map<string, ModelScript>();
  const recorded = new Map<string, RecordedRequest[]>();
  let served = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const [, name = "", ...rest] = (req.url ?? "/").split("?")[0]!.split("/");
      const text = await readBody(req);
      let body: any = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      let markClosed = () => {};
      const request: RecordedRequest = {
        method: req.method ?? "",
        path: `/${rest.join("/")}`,
        headers: req.headers,
        body,
        clientClosed: new Promise<void>((resolve) => (markClosed = resolve)),
        closedEarly: false,
      };
      res.on("close", () => {
        if (!res.writableFinished) {
          request.closedEarly = true;
          markClosed();
        }
      });
      const list = recorded.get(name) ?? [];
      recorded.set(name, list);
      list.push(request);
      const script = scripts.get(name);
      if (!script || request.path !== "/v1/chat/completions" || request.method !== "POST") {
        res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "no such route" } }));
        return;
      }
      await script(replyTo(res, request, `chatcmpl-${++served}`), request, list.length - 1);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = (name: string) => `${origin}/${name}/v1`;

  return {
    script(name, script) {
      scripts.set(name, script);
      return baseUrl(name);
    },
    baseUrl,
    requests: (name) => recorded.get(name) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
