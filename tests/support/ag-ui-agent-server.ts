import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type BaseEvent, EventType, type RunAgentInput } from "@ag-ui/core";
import { EventEncoder } from "@ag-ui/encoder";

/**
 * A real AG-UI agent for the integration suites: an HTTP server on 127.0.0.1 (port 0) that answers each
 * path with a scripted behaviour, encodes events with @ag-ui/encoder's EventEncoder (one `data:` line
 * each), and records every request it received (headers, parsed body) and whether the client closed
 * the connection before the answer ended.
 */

/** One request as the agent received it. */
export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as sent (the suite checks it is a RunAgentInput). */
  rawBody: string;
  body: RunAgentInput;
  /** True when the client closed the connection before the answer ended (an aborted request). */
  clientClosed: boolean;
  /** Resolves once the connection is closed, by either side. */
  closed: Promise<void>;
}

/** An event as a script writes it: any AG-UI event, or a deliberately wrong or legacy one. */
export type ScriptEvent = BaseEvent | ({ type: string } & Record<string, unknown>);

/** What a behaviour can do with one request. */
export interface Script {
  request: RecordedRequest;
  input: RunAgentInput;
  /** Sends events (opening a 200 text/event-stream answer first if needed). */
  send(...events: ScriptEvent[]): void;
  /** Writes text as is (after opening the event stream if needed). */
  raw(text: string): void;
  /** Answers once with a status, a content type and a body. */
  reply(status: number, contentType: string, body: string): void;
  /** Ends the answer normally. */
  end(): void;
  /** Drops the connection abruptly (no end of the chunked answer). */
  destroy(): void;
  /** Waits `ms`, or until the client closes the connection. */
  pause(ms: number): Promise<void>;
}

export type Behaviour = (script: Script) => void | Promise<void>;

export interface AgUiAgentServer {
  /** The base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  /** Scripts the answer for `path` (replaces an earlier one). */
  on(path: string, behaviour: Behaviour): void;
  /** Every request received for `path`, in order. */
  requests(path: string): RecordedRequest[];
  /** Waits for the `n`th request (1-based) for `path`. */
  waitForRequest(path: string, n?: number, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** A behaviour that sends these events and ends the answer. */
export const streamOf =
  (...events: ScriptEvent[]): Behaviour =>
  (s) => {
    s.send(...events);
    s.end();
  };

export async function startAgUiAgentServer(): Promise<AgUiAgentServer> {
  const behaviours = new Map<string, Behaviour>();
  const received: RecordedRequest[] = [];
  const encoder = new EventEncoder({ accept: "text/event-stream" });
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    let resolveClosed!: () => void;
    const record: RecordedRequest = {
      path,
      headers: req.headers,
      rawBody,
      body: safeJson(rawBody) as RunAgentInput,
      clientClosed: false,
      closed: new Promise<void>((r) => (resolveClosed = r)),
    };
    res.on("close", () => {
      if (!res.writableEnded) record.clientClosed = true;
      resolveClosed();
    });
    received.push(record);

    const open = () => {
      if (res.headersSent) return;
      res.writeHead(200, { "Content-Type": encoder.getContentType(), "Cache-Control": "no-cache" });
      res.flushHeaders();
    };
    const script: Script = {
      request: record,
      input: record.body,
      send: (...events) => {
        open();
        for (const e of events) res.write(encoder.encode(e as BaseEvent));
      },
      raw: (text) => {
        open();
        res.write(text);
      },
      reply: (status, contentType, body) => {
        res.writeHead(status, { "Content-Type": contentType });
        res.end(body);
      },
      end: () => {
        open();
        res.end();
      },
      destroy: () => res.socket?.destroy(),
      pause: (ms) => Promise.race([new Promise<void>((r) => setTimeout(r, ms)), record.closed]),
    };
    const behaviour = behaviours.get(path);
    if (!behaviour) return script.reply(404, "text/plain", "no such agent");
    await behaviour(script);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    on: (path, behaviour) => void behaviours.set(path, behaviour),
    requests: (path) => received.filter((r) => r.path === path),
    async waitForRequest(path, n = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.filter((r) => r.path === path)[n - 1];
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no request ${n} for ${path}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// ---- AG-UI events as an agent writes them ----

export const runStarted = (s: Script) => ({ type: EventType.RUN_STARTED, threadId: s.input.threadId, runId: s.input.runId });
export const runFinished = (s: Script, extra: Record<string, unknown> = {}) => ({
  type: EventType.RUN_FINISHED,
  threadId: s.input.threadId,
  runId: s.input.runId,
  ...extra,
});
export const textMessage = (messageId: string, ...deltas: string[]) => [
  { type: EventType.TEXT_MESSAGE_START, messageId, role: "assistant" },
  ...deltas.map((delta) => ({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta })),
  { type: EventType.TEXT_MESSAGE_END, messageId },
];
export const toolCall = (toolCallId: string, toolCallName: string, args: string[], result?: string) => [
  { type: EventType.TOOL_CALL_START, toolCallId, toolCallName },
  ...args.map((delta) => ({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta })),
  { type: EventType.TOOL_CALL_END, toolCallId },
  ...(result === undefined ? [] : [{ type: EventType.TOOL_CALL_RESULT, messageId: `${toolCallId}-result`, toolCallId, content: result }]),
];
