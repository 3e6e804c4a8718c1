import type { transformHttpEventStream } from "@ag-ui/client";
import { Observable } from "rxjs";
import { AgentFailure } from "../agent-failure";
import { AgUiTransportError } from "./agent-failure";

/** The transport events `transformHttpEventStream` reads (the type @ag-ui/client does not export by name). */
export type HttpEvent = Parameters<typeof transformHttpEventStream>[0] extends Observable<infer E> ? E : never;

/** One POST to an AG-UI agent. */
export interface AgentRequest {
  url: string;
  /** The declared headers (already `${ENV}`-substituted); never logged. */
  headers: Record<string, string>;
  /** The JSON RunAgentInput. */
  body: string;
  /** Aborting it closes the connection at once (stop_agent, shutdown, timeout, end of the run). */
  signal: AbortSignal;
}

const headersEvent = (status: number, headers: Headers) => ({ type: "headers", status, headers }) as unknown as HttpEvent;
const dataEvent = (data: Uint8Array) => ({ type: "data", data }) as unknown as HttpEvent;

/**
 * The agent's HTTP answer as the HttpEvents @ag-ui/client parses. Our own `runHttpRequest`: that one reads
 * an error response's body into its error message, and leaves an unhandled rejection when the connection
 * drops mid-body; this one refuses a status >= 400 or a non-SSE answer without reading it, and wraps
 * every network failure in AgUiTransportError so it is never mistaken for a parse error.
 */
export function agentHttpEvents(request: AgentRequest): Observable<HttpEvent> {
  return new Observable<HttpEvent>((subscriber) => {
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let closed = false;
    void (async () => {
      try {
        const { url, headers } = requestTarget(request);
        // No redirects: one would carry the declared headers (keys) to wherever it points.
        const response = await fetch(url, { method: "POST", headers, body: request.body, signal: request.signal, redirect: "manual" });
        const body = acceptedBody(response);
        if (closed) return void body.cancel().catch(() => undefined);
        subscriber.next(headersEvent(response.status, response.headers));
        reader = body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done || closed) break;
          subscriber.next(dataEvent(value));
        }
        subscriber.complete();
      } catch (err) {
        subscriber.error(err instanceof AgentFailure ? err : new AgUiTransportError(err));
      }
    })();
    return () => {
      closed = true;
      // A stream that already failed rejects its cancel with that failure: nothing more to do then.
      reader?.cancel().catch(() => undefined);
    };
  });
}

/**
 * Where the POST goes and with which headers: the declared ones, then JSON in and SSE out; credentials
 * in the URL (which fetch refuses) become Basic authorization unless an Authorization header is declared.
 */
function requestTarget(request: AgentRequest): { url: string; headers: Headers } {
  const headers = new Headers(request.headers);
  headers.set("Content-Type", "application/json");
  headers.set("Accept", "text/event-stream");
  const url = new URL(request.url);
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    if (!headers.has("Authorization")) headers.set("Authorization", `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`);
    url.username = "";
    url.password = "";
  }
  return { url: url.toString(), headers };
}

/** The body of a 2xx `text/event-stream` answer; any other answer is refused (and its body discarded unread). */
function acceptedBody(response: Response): ReadableStream<Uint8Array> {
  const refuse = (failure: AgentFailure): never => {
    void response.body?.cancel().catch(() => undefined);
    throw failure;
  };
  if (response.status >= 400)
    return refuse(new AgentFailure("AGENT_UNAVAILABLE", `The agent answered HTTP ${response.status}.`, `http_${response.status}`));
  if (!response.ok)
    return refuse(new AgentFailure("AGENT_PROTOCOL_ERROR", `The agent answered HTTP ${response.status}, not an event stream.`, "status"));
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "text/event-stream")
    return refuse(
      new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent did not answer with an event stream (text/event-stream).", "content_type"),
    );
  if (!response.body) return refuse(new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent answered with an empty body.", "empty_body"));
  return response.body;
}
