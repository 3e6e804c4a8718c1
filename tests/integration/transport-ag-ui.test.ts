import { randomUUID } from "node:crypto";
import { type BaseEvent, EventType } from "@ag-ui/core";
import { EventSchema } from "@ag-ui/core/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionInfo } from "../../contract";
import { postAgUi, readEvents, runInput, runThroughHttpAgent } from "../support/ag-ui-http-client";
import { craftJwt } from "../support/jwt";
import { apiJson, eventually, sessionWhen, startTestNode, type TestNode } from "../support/test-node";

/**
 * AG-UI over HTTP (PROTOCOL.md "Other client transports"): @ag-ui/client's real HttpAgent runs Switchyard's
 * agents through `POST /ag-ui/<agent>`; the run goes through the one router and delivery path (the user's
 * Socket.IO connections see it, nobody else does), sessions pass, client threadIds are per user, every
 * refusal is a status with the JSON error body before any stream, a client that leaves cancels its run,
 * and a `stop_agent` from elsewhere ends the stream with a cancelled RUN_FINISHED.
 */

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1", MAX_CONNECTIONS_PER_USER: "3" });
});
afterAll(async () => {
  await t?.stop();
});

const types = (events: BaseEvent[]) => events.map((e) => e.type);
const slow = (delay_ms: number) => ({ switchyard: { simulate: { delay_ms } } });

/** Checks what holds for every finished stream: valid AG-UI events, client ids, integer timestamps, nothing left open. */
function expectWellFormed(events: BaseEvent[], client: { threadId: string; runId: string }) {
  for (const e of events) {
    expect(EventSchema.safeParse(e).success, `${e.type} fits the AG-UI schema`).toBe(true);
    expect(Number.isInteger(e.timestamp)).toBe(true);
  }
  expect(events[0]).toMatchObject({ type: EventType.RUN_STARTED, ...client });
  const last = events.at(-1)!;
  expect([EventType.RUN_FINISHED, EventType.RUN_ERROR]).toContain(last.type);
  if (last.type === EventType.RUN_FINISHED) expect(last).toMatchObject(client);
  const kinds = types(events);
  expect(kinds.filter((k) => k === EventType.TEXT_MESSAGE_START).length).toBe(kinds.filter((k) => k === EventType.TEXT_MESSAGE_END).length);
  expect(kinds.filter((k) => k === EventType.TOOL_CALL_START).length).toBe(kinds.filter((k) => k === EventType.TOOL_CALL_END).length);
}

describe("runs through HttpAgent", () => {
  it("runs the assistant: tool call, result and answer assembled, session passed, the user's sockets see it, nobody else", async () => {
    const [mine, other] = await Promise.all([t.connect("agui-alice"), t.connect("agui-bob")]);
    const threadId = `thread-${randomUUID()}`;
    const r = await runThroughHttpAgent({
      url: `${t.url}/ag-ui/assistant`,
      token: await t.token("agui-alice"),
      content: "what is 12 * 12?",
      threadId,
    });

    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(r.headers.get("cache-control")).toBe("no-cache");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const runId = r.headers.get("x-switchyard-run-id")!;
    const syThread = r.headers.get("x-switchyard-thread-id")!;
    expect(runId).toMatch(/^run_/);
    expect(syThread).toMatch(/^thr_/);
    expectWellFormed(r.events, { threadId, runId: r.runId });
    expect(types(r.events)).toEqual(
      expect.arrayContaining([EventType.STEP_STARTED, EventType.STEP_FINISHED, EventType.TOOL_CALL_RESULT, EventType.TEXT_MESSAGE_CONTENT]),
    );

    const assistant = r.messages.find((m) => m.role === "assistant" && m.toolCalls?.length);
    expect(assistant).toBeDefined();
    const call = assistant!.role === "assistant" ? assistant!.toolCalls![0]! : undefined;
    expect(call?.function.name).toBe("calculator");
    expect(JSON.parse(call!.function.arguments)).toEqual({ expression: "12 * 12" });
    const result = r.messages.find((m) => m.role === "tool");
    expect(result).toMatchObject({ toolCallId: call!.id });
    expect(JSON.parse(String(result!.content))).toMatchObject({ value: 144 });
    const answer = r.messages.filter((m) => m.role === "assistant" && typeof m.content === "string" && m.content !== "").at(-1);
    expect(answer?.content).toContain("144");

    const session = await sessionWhen(t, runId);
    expect(session).toMatchObject({ status: "passed", user_id: "agui-alice", thread_id: syThread });
    const completed = session.events.find((e) => e.type === "agent_completed")!;
    expect((completed.payload as { final_response: string }).final_response).toBe(answer!.content);

    // The user's Socket.IO connection received the run (and the new thread); the other user nothing.
    await mine.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    expect(mine.events.filter((e) => e.run_id === runId).map((e) => e.seq)).toEqual(session.events.map((_, i) => i + 1));
    expect(mine.events.some((e) => e.type === "thread_created" && e.thread_id === syThread)).toBe(true);
    expect(other.events.some((e) => e.run_id === runId || e.thread_id === syThread)).toBe(false);
    mine.close();
    other.close();
  });

  it("streams the streamer's answer as several TEXT_MESSAGE_CONTENT deltas of one message, joined = the final text", async () => {
    const r = await runThroughHttpAgent({
      url: `${t.url}/ag-ui/streamer`,
      token: await t.token("agui-carol"),
      content: "what is 3 * 7 and what does the router do?",
    });
    const runId = r.headers.get("x-switchyard-run-id")!;
    const kinds = types(r.events);
    expect(kinds.filter((k) => k === EventType.TEXT_MESSAGE_START)).toHaveLength(1);
    const deltas = r.events.filter((e) => e.type === EventType.TEXT_MESSAGE_CONTENT).map((e) => (e as unknown as { delta: string }).delta);
    expect(deltas.length).toBeGreaterThan(3);
    expect(kinds.indexOf(EventType.TEXT_MESSAGE_START)).toBeGreaterThan(kinds.lastIndexOf(EventType.TOOL_CALL_RESULT));
    const session = await sessionWhen(t, runId);
    expect(session.status).toBe("passed");
    const final = (session.events.at(-1)!.payload as { final_response: string }).final_response;
    expect(deltas.join("")).toBe(final);
    expect(r.messages.at(-1)).toMatchObject({ role: "assistant", content: final });
  });

  it("runs the default agent at POST /ag-ui", async () => {
    const r = await runThroughHttpAgent({ url: `${t.url}/ag-ui`, token: await t.token("agui-dave"), content: "what is 2 + 2?" });
    const session = await sessionWhen(t, r.headers.get("x-switchyard-run-id")!);
    expect(session).toMatchObject({ status: "passed", agent_name: "assistant" });
  });

  it("keeps client threadIds per user: two users' same threadId are two threads, a second run continues the thread", async () => {
    const threadId = `shared-${randomUUID()}`;
    const url = `${t.url}/ag-ui/assistant`;
    const [erin, frank] = await Promise.all([t.token("agui-erin"), t.token("agui-frank")]);
    const [a, b] = await Promise.all([
      runThroughHttpAgent({ url, token: erin, content: "what is 5 * 5?", threadId }),
      runThroughHttpAgent({ url, token: frank, content: "what is 6 * 6?", threadId }),
    ]);
    const threadA = a.headers.get("x-switchyard-thread-id")!;
    const threadB = b.headers.get("x-switchyard-thread-id")!;
    expect(threadA).not.toBe(threadB);
    // Each user's stream carried its own run only.
    expect(a.events.every((e) => !JSON.stringify(e).includes(b.headers.get("x-switchyard-run-id")!))).toBe(true);
    expect(b.events.every((e) => !JSON.stringify(e).includes(a.headers.get("x-switchyard-run-id")!))).toBe(true);

    const again = await runThroughHttpAgent({ url, token: erin, content: "what is 7 * 7?", threadId, history: a.messages });
    expect(again.headers.get("x-switchyard-thread-id")).toBe(threadA);
    const [s1, s2] = await Promise.all([
      sessionWhen(t, a.headers.get("x-switchyard-run-id")!),
      sessionWhen(t, again.headers.get("x-switchyard-run-id")!),
    ]);
    expect(s1.thread_id).toBe(threadA);
    expect(s2).toMatchObject({ thread_id: threadA, status: "passed" });
    const erinSocket = await t.connect("agui-erin");
    await erinSocket.send({ type: "get_thread_history", payload: { thread_id: threadA } });
    const history = await erinSocket.waitFor((e) => e.type === "thread_history");
    const messages = history.payload.messages as { role: string; content: string }[];
    expect(messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual(["what is 5 * 5?", "what is 7 * 7?"]);
    erinSocket.close();
    // Another user naming erin's Switchyard thread id as a client threadId just gets a thread of its own.
    const c = await runThroughHttpAgent({ url, token: frank, content: "what is 1 + 1?", threadId: threadA });
    expect(c.headers.get("x-switchyard-thread-id")).not.toBe(threadA);
  });

  it("shows the stream in GET /api/connections as transport sse while it is open", async () => {
    const res = await postAgUi(
      `${t.url}/ag-ui/assistant`,
      await t.token("agui-gina"),
      runInput("what is 9 * 9?", { forwardedProps: slow(1500) }),
    );
    expect(res.status).toBe(200);
    const connections = await apiJson<ConnectionInfo[]>(t, "/api/connections");
    expect(connections.filter((c) => c.user_id === "agui-gina")).toMatchObject([{ transport: "sse" }]);
    const { events } = await readEvents(res);
    expect(events.at(-1)?.type).toBe(EventType.RUN_FINISHED);
    await eventually(
      async () => !(await apiJson<ConnectionInfo[]>(t, "/api/connections")).some((c) => c.user_id === "agui-gina"),
      5000,
      "the stream's connection gone",
    );
  });
});

describe("ending a run early", () => {
  it("cancels the run when the client aborts the request, even while the user's socket watches it", async () => {
    const watcher = await t.connect("agui-hank");
    const abort = new AbortController();
    const res = await postAgUi(
      `${t.url}/ag-ui/assistant`,
      await t.token("agui-hank"),
      runInput("what is 4 * 4?", { forwardedProps: slow(3000) }),
      {
        signal: abort.signal,
      },
    );
    const runId = res.headers.get("x-switchyard-run-id")!;
    await readEvents(res, (e) => e.type === EventType.TOOL_CALL_END);
    abort.abort();
    const session = await sessionWhen(t, runId, "cancelled");
    expect(session.status).toBe("cancelled");
    const end = await watcher.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    expect(end.payload.status).toBe("cancelled");
    watcher.close();
  });

  it("ends the stream with RUN_FINISHED {outcome: cancelled} on a stop_agent from the user's socket", async () => {
    const socket = await t.connect("agui-ivy");
    let stopped: Promise<Record<string, unknown>> | undefined;
    const r = await runThroughHttpAgent({
      url: `${t.url}/ag-ui/streamer`,
      token: await t.token("agui-ivy"),
      content: "what is 8 * 8?",
      forwardedProps: slow(3000),
      onHeaders: (h) => {
        stopped = socket.send({ type: "stop_agent", payload: { run_id: h.get("x-switchyard-run-id") } });
      },
    });
    expect(await stopped).toMatchObject({ ok: true });
    expectWellFormed(r.events, { threadId: r.agent.threadId, runId: r.runId });
    expect(r.events.at(-1)).toMatchObject({ type: EventType.RUN_FINISHED, outcome: { type: "cancelled" } });
    expect(types(r.events)).not.toContain(EventType.TEXT_MESSAGE_START);
    expect((await sessionWhen(t, r.headers.get("x-switchyard-run-id")!, "cancelled")).status).toBe("cancelled");
    socket.close();
  });

  it("ends open streams with RUN_ERROR when the node shuts down", async () => {
    const own = await startTestNode({ FAULT_INJECTION: "1" });
    const res = await postAgUi(
      `${own.url}/ag-ui/assistant`,
      await own.token("agui-jack"),
      runInput("what is 3 * 3?", { forwardedProps: slow(5000) }),
    );
    expect(res.status).toBe(200);
    const reading = readEvents(res);
    await own.stop();
    const { events } = await reading;
    expect(events[0]?.type).toBe(EventType.RUN_STARTED);
    expect(events.at(-1)).toMatchObject({ type: EventType.RUN_ERROR, code: "SERVER_SHUTDOWN" });
  });
});

describe("refusals before the stream", () => {
  const expectRefusal = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    return body.error.message;
  };

  it("refuses a missing or bad token (401), a body that is not a RunAgentInput or has no user message (400), an unknown agent (404)", async () => {
    const url = `${t.url}/ag-ui/assistant`;
    const token = await t.token("agui-kim");
    await expectRefusal(await postAgUi(url, null, runInput("hi")), 401, "UNAUTHORIZED");
    await expectRefusal(await postAgUi(url, "not-a-token", runInput("hi")), 401, "UNAUTHORIZED");
    const expired = craftJwt({ alg: "HS256", typ: "JWT" }, { sub: "agui-kim", role: "user", iat: 1, exp: 2 });
    await expectRefusal(await postAgUi(url, expired, runInput("hi")), 401, "UNAUTHORIZED");
    expect(await expectRefusal(await postAgUi(url, token, "{not json"), 400, "INVALID_MESSAGE")).toMatch(/JSON/);
    expect(await expectRefusal(await postAgUi(url, token, { threadId: "t", runId: "r" }), 400, "INVALID_MESSAGE")).toMatch(/messages/);
    const badRole = { ...runInput("hi"), messages: [{ id: "m", role: "robot", content: "hi" }] };
    expect(await expectRefusal(await postAgUi(url, token, badRole), 400, "INVALID_MESSAGE")).toMatch(/messages\.0\.role/);
    const noUser = runInput("x", { messages: [{ id: "a", role: "assistant", content: "hello" }] });
    expect(await expectRefusal(await postAgUi(url, token, noUser), 400, "INVALID_MESSAGE")).toMatch(/user/);
    await expectRefusal(await postAgUi(`${t.url}/ag-ui/no-such-agent`, token, runInput("hi")), 404, "NOT_FOUND");
    await expectRefusal(await postAgUi(`${t.url}/ag-ui/assistant/extra`, token, runInput("hi")), 404, "NOT_FOUND");
    await expectRefusal(await fetch(url, { headers: { Authorization: `Bearer ${token}` } }), 405, "METHOD_NOT_ALLOWED");
  });

  it("refuses content over 32768 UTF-16 units as the router refuses it, and a body over 1 MiB with 413", async () => {
    const url = `${t.url}/ag-ui/assistant`;
    const token = await t.token("agui-lee");
    const long = "a".repeat(32_769);
    const message = await expectRefusal(await postAgUi(url, token, runInput(long)), 400, "INVALID_MESSAGE");
    const socket = await t.connect("agui-lee");
    const ack = (await socket.send({ type: "start_agent", payload: { content: long, agent_name: "assistant" } })) as {
      error: { code: string; message: string };
    };
    expect(ack.error).toEqual({ code: "INVALID_MESSAGE", message });
    socket.close();
    // The last user message is the content: earlier long ones do not matter.
    const earlier = runInput("what is 1 + 2?", {
      messages: [
        { id: "1", role: "user", content: long },
        { id: "2", role: "assistant", content: "ok" },
        { id: "3", role: "user", content: "what is 1 + 2?" },
      ],
    });
    const ok = await postAgUi(url, token, earlier);
    expect(ok.status).toBe(200);
    await readEvents(ok);
    const huge = runInput("b".repeat(1024 * 1024 + 10));
    await expectRefusal(await postAgUi(url, token, huge), 413, "PAYLOAD_TOO_LARGE");
  });

  it("refuses a user at MAX_CONNECTIONS_PER_USER with 429 TOO_MANY_CONNECTIONS", async () => {
    const sockets = await Promise.all([1, 2, 3].map(() => t.connect("agui-max")));
    await expectRefusal(
      await postAgUi(`${t.url}/ag-ui/assistant`, await t.token("agui-max"), runInput("what is 2 * 2?")),
      429,
      "TOO_MANY_CONNECTIONS",
    );
    sockets[0]!.close();
    await eventually(
      async () => (await apiJson<ConnectionInfo[]>(t, "/api/connections")).filter((c) => c.user_id === "agui-max").length === 2,
    );
    const res = await postAgUi(`${t.url}/ag-ui/assistant`, await t.token("agui-max"), runInput("what is 2 * 2?"));
    expect(res.status).toBe(200);
    await readEvents(res);
    for (const s of sockets) s.close();
  });

  it("refuses a user over the rate limit with 429 RATE_LIMITED", async () => {
    const own = await startTestNode({ RATE_LIMIT_PER_S: "1", RATE_LIMIT_BURST: "1" });
    try {
      const token = await own.token("agui-rate");
      const statuses: number[] = [];
      let refusal: Response | undefined;
      for (let i = 0; i < 12 && !refusal; i++) {
        const res = await postAgUi(`${own.url}/ag-ui/assistant`, token, runInput("what is 1 * 1?"));
        statuses.push(res.status);
        if (res.status === 200) await readEvents(res);
        else refusal = res;
      }
      expect(statuses[0]).toBe(200);
      await expectRefusal(refusal!, 429, "RATE_LIMITED");
    } finally {
      await own.stop();
    }
  });

  describe("origins", () => {
    let edge: TestNode;
    beforeAll(async () => {
      edge = await startTestNode({ ALLOWED_ORIGINS: "http://allowed.example" });
    });
    afterAll(async () => {
      await edge?.stop();
    });

    it("answers the CORS preflight and the request of an allowed origin, with the id headers exposed", async () => {
      const preflight = await fetch(`${edge.url}/ag-ui/assistant`, {
        method: "OPTIONS",
        headers: {
          Origin: "http://allowed.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization, content-type",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
      expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toEqual(expect.stringContaining("authorization"));
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toEqual(expect.stringContaining("content-type"));

      const res = await postAgUi(`${edge.url}/ag-ui/assistant`, await edge.token("agui-web"), runInput("what is 6 * 7?"), {
        headers: { Origin: "http://allowed.example" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
      const exposed = res.headers.get("access-control-expose-headers")!.toLowerCase();
      expect(exposed).toContain("x-switchyard-run-id");
      expect(exposed).toContain("x-switchyard-thread-id");
      expect((await readEvents(res)).events.at(-1)?.type).toBe(EventType.RUN_FINISHED);
      // A refusal to an allowed origin is readable by the page too.
      const refused = await postAgUi(`${edge.url}/ag-ui/assistant`, null, runInput("hi"), {
        headers: { Origin: "http://allowed.example" },
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    });

    it("refuses a foreign origin with 403 and accepts the Host's own origin", async () => {
      const token = await edge.token("agui-web");
      const foreign = await postAgUi(`${edge.url}/ag-ui/assistant`, token, runInput("hi"), { headers: { Origin: "http://evil.example" } });
      expect(foreign.status).toBe(403);
      expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
      expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
      const preflight = await fetch(`${edge.url}/ag-ui/assistant`, { method: "OPTIONS", headers: { Origin: "http://evil.example" } });
      expect(preflight.status).toBe(403);
      const own = await postAgUi(`${edge.url}/ag-ui/assistant`, token, runInput("what is 2 * 3?"), { headers: { Origin: edge.url } });
      expect(own.status).toBe(200);
      await readEvents(own);
    });
  });
});
