import type { ServerResponse } from "node:http";
import type { BaseEvent } from "@ag-ui/core";
import { EventEncoder } from "@ag-ui/encoder";
import type { ServerEvent } from "../../../contract";
import { SECURITY_HEADERS } from "../../operator/http-kit";
import type { EventWriter } from "../event-writer";
import { AgUiEventMapper, type ClientRunIds } from "./event-mapper";

/** How long a stream may stay silent before a keepalive comment line is sent. */
export const KEEPALIVE_MS = 15_000;

/** The SSE comment line sent while nothing else is (the only bytes not written by EventEncoder). */
const KEEPALIVE = ": keepalive\n\n";

/** Why a stream ended: its run's last event, the client leaving, the server, or a slow consumer. */
export type StreamEnd = "finished" | "client_closed" | "shutdown" | "SLOW_CONSUMER";

/**
 * One AG-UI event stream: the run-scoped connection's EventWriter. Each run event delivered to it is
 * mapped to AG-UI events and written with @ag-ui/encoder's EventEncoder (one `data:` line each); a
 * keepalive comment goes out after KEEPALIVE_MS of silence. The stream ends once, after RUN_FINISHED or
 * RUN_ERROR, when the client closes it, on shutdown, or as a slow consumer; `onEnd` then runs once.
 */
export class AgUiRunStream implements EventWriter {
  readonly #res: ServerResponse;
  readonly #mapper: AgUiEventMapper;
  readonly #encoder = new EventEncoder();
  readonly #onEnd: (why: StreamEnd) => void;
  #keepalive: NodeJS.Timeout | null = null;
  #ended = false;

  constructor(res: ServerResponse, client: ClientRunIds, onEnd: (why: StreamEnd) => void) {
    this.#res = res;
    this.#mapper = new AgUiEventMapper(client);
    this.#onEnd = onEnd;
    // The client went away before the run ended (or the response is done: then this is a no-op).
    res.on("close", () => this.#end("client_closed"));
  }

  /** True once the stream has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends the 200 answer and its headers (the stream starts; refusals are no longer possible). */
  open(headers: Record<string, string>): void {
    this.#res.writeHead(200, {
      ...SECURITY_HEADERS,
      ...headers,
      "Content-Type": this.#encoder.getContentType(),
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    this.#res.flushHeaders();
    this.#keepalive = setTimeout(() => this.#ping(), KEEPALIVE_MS);
    this.#keepalive.unref();
  }

  write(event: ServerEvent): void {
    if (this.#ended) return;
    this.#send(this.#mapper.map(event));
    if (this.#mapper.ended) this.#end("finished");
  }

  queuedBytes(): number {
    return this.#res.writableLength;
  }

  /** Ends the stream from the server side: a slow consumer, or (with a RUN_ERROR first) the shutdown. */
  close(reason: string): void {
    if (this.#ended) return;
    if (reason === "SLOW_CONSUMER") {
      this.#end("SLOW_CONSUMER");
      this.#res.destroy();
      return;
    }
    this.#send(this.#mapper.fail("SERVER_SHUTDOWN", "The server is shutting down; the run did not finish."));
    this.#end("shutdown");
  }

  #send(events: BaseEvent[]): void {
    if (events.length === 0) return;
    this.#raw(events.map((e) => this.#encoder.encodeSSE(e)).join(""));
  }

  #ping(): void {
    if (this.#ended) return;
    this.#raw(KEEPALIVE);
  }

  #raw(text: string): void {
    if (this.#res.destroyed || this.#res.writableEnded) return;
    this.#res.write(text);
    this.#keepalive?.refresh();
  }

  #end(why: StreamEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#keepalive) clearTimeout(this.#keepalive);
    if (!this.#res.writableEnded && !this.#res.destroyed) this.#res.end();
    this.#onEnd(why);
  }
}
