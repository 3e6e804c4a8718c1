import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { verifyEvents } from "@ag-ui/client";
import { type BaseEvent, EventType } from "@ag-ui/core";
import { EventSchema } from "@ag-ui/core/schemas";
import { firstValueFrom, from, toArray } from "rxjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ServerEventPayloads, ServerType } from "../../../contract";
import { buildEvent } from "../event-factory";
import { AgUiEventMapper } from "./event-mapper";
import { AgUiRunStream, KEEPALIVE_MS, type StreamEnd } from "./run-stream";

const client = { threadId: "client-thread", runId: "client-run" };
const RUN = "run_1";

/** A run event as the run manager builds it. */
const ev = <T extends ServerType>(type: T, payload: ServerEventPayloads[T]) =>
  buildEvent(type, payload, { user_id: "u", trace_id: "t", run_id: RUN, thread_id: "thr_1" });

const started = ev("agent_started", { agent_name: "assistant", task_description: "x" });
const thinking = ev("agent_thinking", { reasoning: "Planning 1 tool call(s): calculator.", step_number: 1 });
const tool = ev("tool_executing", { tool_name: "calculator", tool_call_id: "call_1", parameters: { expression: "1 + 1" } });
const toolDone = ev("tool_completed", {
  tool_name: "calculator",
  tool_call_id: "call_1",
  results: { value: 2 },
  duration_ms: 1,
  success: true,
});
const chunk = (delta: string) => ev("agent_response_chunk", { message_id: "m", delta });
const completed = (final_response: string, status: "completed" | "cancelled" = "completed") =>
  ev("agent_completed", {
    status,
    final_response,
    duration_ms: 3,
    usage: status === "completed" ? { input_tokens: 5, output_tokens: 7 } : undefined,
  });

/** Maps events and checks them as @ag-ui/client does (its schema, then verifyEvents); rejects on a violation. */
async function mapped(events: ReturnType<typeof ev>[]): Promise<BaseEvent[]> {
  const mapper = new AgUiEventMapper(client);
  const out = events.flatMap((e) => mapper.map(e));
  for (const e of out) expect(EventSchema.safeParse(e).success, e.type).toBe(true);
  expect(mapper.ended).toBe(true);
  return firstValueFrom(from(out).pipe(verifyEvents(false), toArray()));
}

describe("run events as AG-UI events", () => {
  it("maps a whole streamed run, in order, with nothing open at RUN_FINISHED", async () => {
    const out = await mapped([started, thinking, tool, toolDone, chunk("1 + 1 "), chunk("= 2."), completed("1 + 1 = 2.")]);
    expect(out.map((e) => e.type)).toEqual([
      EventType.RUN_STARTED,
      EventType.STEP_STARTED,
      EventType.STEP_FINISHED,
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.TOOL_CALL_RESULT,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_END,
      EventType.RUN_FINISHED,
    ]);
    expect(out[0]).toMatchObject({ ...client, timestamp: Date.parse(started.timestamp) });
    expect(out[4]).toMatchObject({ toolCallId: `${RUN}:call_1`, delta: '{"expression":"1 + 1"}' });
    expect(out[6]).toMatchObject({ toolCallId: `${RUN}:call_1`, messageId: `${RUN}:call_1:result`, content: '{"value":2}' });
    expect(out.at(-1)).toMatchObject({ ...client, usage: [{ inputTokens: 5, outputTokens: 7, totalTokens: 12 }] });
  });

  it("sends a run without chunks its final_response as one text message", async () => {
    const out = await mapped([started, thinking, tool, toolDone, completed("The answer.")]);
    const text = out.filter((e) => e.type === EventType.TEXT_MESSAGE_CONTENT);
    expect(text).toMatchObject([{ delta: "The answer." }]);
  });

  it("closes an open text message before a cancelled RUN_FINISHED, and before RUN_ERROR", async () => {
    const cancelled = await mapped([started, chunk("Par"), completed("", "cancelled")]);
    expect(cancelled.slice(-2).map((e) => e.type)).toEqual([EventType.TEXT_MESSAGE_END, EventType.RUN_FINISHED]);
    expect(cancelled.at(-1)).toMatchObject({ outcome: { type: "cancelled" } });
    const failed = await mapped([started, chunk("Par"), ev("agent_error", { error_code: "AGENT_TIMEOUT", message: "slow" })]);
    expect(failed.slice(-2).map((e) => e.type)).toEqual([EventType.TEXT_MESSAGE_END, EventType.RUN_ERROR]);
    expect(failed.at(-1)).toMatchObject({ code: "AGENT_TIMEOUT", message: "slow" });
  });

  it("starts the run even when agent_started was dropped, and ignores what comes after the end", async () => {
    const mapper = new AgUiEventMapper(client);
    expect(mapper.map(thinking)[0]?.type).toBe(EventType.RUN_STARTED);
    mapper.map(completed("done"));
    expect(mapper.map(chunk("late"))).toEqual([]);
  });
});

/** Enough of a ServerResponse for the stream: what it wrote, and whether it ended. */
function fakeResponse() {
  const res = Object.assign(new EventEmitter(), {
    written: [] as string[],
    status: 0,
    headers: {},
    destroyed: false,
    writableEnded: false,
    writeHead(status: number, headers: Record<string, string>) {
      res.status = status;
      res.headers = headers;
      return res;
    },
    flushHeaders: () => undefined,
    write(text: string) {
      res.written.push(text);
      return true;
    },
    end() {
      res.writableEnded = true;
      res.emit("close");
    },
    destroy() {
      res.destroyed = true;
      res.emit("close");
    },
  });
  return res;
}

describe("the AG-UI event stream", () => {
  afterEach(() => void vi.useRealTimers());

  const openStream = () => {
    const res = fakeResponse();
    const ends: StreamEnd[] = [];
    const stream = new AgUiRunStream(res as unknown as ServerResponse, client, (why) => ends.push(why));
    stream.open({ "X-Switchyard-Run-Id": RUN });
    return { res, ends, stream };
  };

  it("writes each event as one data line and ends after RUN_FINISHED", () => {
    const { res, ends, stream } = openStream();
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Switchyard-Run-Id": RUN });
    for (const e of [started, thinking, completed("ok")]) stream.write(e);
    const frames = res.written.join("").split("\n\n").filter(Boolean);
    expect(frames.every((f) => f.startsWith("data: ") && !f.includes("\n"))).toBe(true);
    expect(frames.map((f) => (JSON.parse(f.slice(6)) as BaseEvent).type).at(-1)).toBe(EventType.RUN_FINISHED);
    expect(res.writableEnded).toBe(true);
    expect(ends).toEqual(["finished"]);
  });

  it("sends a keepalive comment after 15 s of silence only", () => {
    vi.useFakeTimers();
    const { res, stream } = openStream();
    vi.advanceTimersByTime(KEEPALIVE_MS - 1);
    expect(res.written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(res.written).toEqual([": keepalive\n\n"]);
    vi.advanceTimersByTime(KEEPALIVE_MS - 1000);
    stream.write(started);
    vi.advanceTimersByTime(KEEPALIVE_MS - 1);
    expect(res.written).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(res.written.at(-1)).toBe(": keepalive\n\n");
  });

  it("reports a client that closed the request, and ends with RUN_ERROR on shutdown", () => {
    const gone = openStream();
    gone.res.emit("close");
    expect(gone.ends).toEqual(["client_closed"]);
    const shut = openStream();
    shut.stream.write(started);
    shut.stream.write(chunk("Hal"));
    shut.stream.close("shutdown");
    const types = shut.res.written.map((w) => (JSON.parse(w.slice(6).split("\n\n")[0]!) as BaseEvent).type);
    expect(shut.res.written.at(-1)).toContain('"type":"RUN_ERROR"');
    expect(shut.res.written.at(-1)).toContain("TEXT_MESSAGE_END");
    expect(types[0]).toBe(EventType.RUN_STARTED);
    expect(shut.ends).toEqual(["shutdown"]);
  });
});
