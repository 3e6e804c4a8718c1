import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badTokens, craftJwt, nowS, tryHandshake } from "../support/fuzz-hardening";
import {
  apiJson,
  eventually,
  isTerminal,
  runToEnd,
  sessionWhen,
  sleep,
  startTestNode,
  tryConnect,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/**
 * Auth attacks (issue 8; PROTOCOL.md "Identity", "Chat namespace", "Operator surfaces"): hand-made
 * JWTs (forged, alg none, expired, malformed sub, wrong role values) on the chat namespace, /inspector
 * and every operator HTTP route; user tokens and user cookies on operator surfaces; POST /api/session
 * with a user token or garbage; cross-user thread and run ids, which never stop or touch the other
 * user's run.
 */

let t: TestNode;
let userToken: string;
let opToken: string;
let sessionId: string;

beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1" });
  userToken = await t.token("auth-user");
  opToken = await t.token("auth-op", "operator");
  const c = await t.connect("auth-seed");
  sessionId = (await runToEnd(c, { type: "user_message", payload: { content: "what is 2 + 2?" } })).runId;
  await sessionWhen(t, sessionId);
  c.close();
});
afterAll(() => t?.stop());

const BAD = badTokens();

describe("the chat namespace refuses bad tokens with UNAUTHORIZED", () => {
  it("the control: a valid user token and a hand-made HS256 token with the right secret connect", async () => {
    expect(await tryConnect(t.url, { token: userToken })).toBe("connected");
    expect(await tryConnect(t.url, { token: craftJwt({ alg: "HS256", typ: "JWT" }, { sub: "hand-made", exp: nowS() + 60 }) })).toBe(
      "connected",
    );
  });

  it("no token: no auth, empty auth, token null / empty / a number / an object", async () => {
    for (const auth of [{}, { token: null }, { token: "" }, { token: 42 }, { token: { sub: "x" } }, { token: [userToken] }]) {
      expect({ auth, result: await tryConnect(t.url, auth) }).toEqual({ auth, result: "UNAUTHORIZED" });
    }
  });

  it.each(BAD)("%s", async (_label, token) => {
    expect(await tryConnect(t.url, { token })).toBe("UNAUTHORIZED");
  });

  it("tokens are read from auth.token only: not from the query string, an Authorization header or the login cookie", async () => {
    expect(await tryHandshake(t.url, { query: { token: userToken } })).toBe("UNAUTHORIZED");
    expect(await tryHandshake(t.url, { extraHeaders: { Authorization: `Bearer ${userToken}` } })).toBe("UNAUTHORIZED");
    expect(await tryHandshake(t.url, { extraHeaders: { Cookie: `switchyard_session=${opToken}` } })).toBe("UNAUTHORIZED");
  });
});

describe("/inspector", () => {
  it("the control: an operator token, or the operator's login cookie, connects", async () => {
    expect(await tryConnect(t.url, { token: opToken }, "/inspector")).toBe("connected");
    expect(await tryHandshake(t.url, { extraHeaders: { Cookie: `switchyard_session=${encodeURIComponent(opToken)}` } }, "/inspector")).toBe(
      "connected",
    );
  });

  it("a user token is FORBIDDEN, in auth.token and in the login cookie", async () => {
    expect(await tryConnect(t.url, { token: userToken }, "/inspector")).toBe("FORBIDDEN");
    expect(await tryHandshake(t.url, { extraHeaders: { Cookie: `switchyard_session=${userToken}` } }, "/inspector")).toBe("FORBIDDEN");
  });

  it("no token is UNAUTHORIZED", async () => {
    expect(await tryConnect(t.url, {}, "/inspector")).toBe("UNAUTHORIZED");
    expect(await tryHandshake(t.url, { extraHeaders: { Cookie: "switchyard_session=" } }, "/inspector")).toBe("UNAUTHORIZED");
  });

  it.each(BAD)("%s is UNAUTHORIZED (token and cookie)", async (_label, token) => {
    expect(await tryConnect(t.url, { token }, "/inspector")).toBe("UNAUTHORIZED");
    expect(await tryHandshake(t.url, { extraHeaders: { Cookie: `switchyard_session=${encodeURIComponent(token)}` } }, "/inspector")).toBe(
      "UNAUTHORIZED",
    );
  });
});

describe("the operator HTTP API", () => {
  /** Every route of server/operator/api-routes.ts but the public ones, with a concrete path and a valid body. */
  const protectedRoutes = () =>
    t.node.parts.routes
      .filter((r) => !r.public)
      .map((r) => ({
        method: r.method,
        path: r.path.replace(":id", sessionId),
        body: r.method === "POST" ? JSON.stringify({ faults: "recorded" }) : undefined,
      }));

  const call = (r: { method: string; path: string; body?: string }, headers: Record<string, string> = {}) =>
    fetch(t.url + r.path, { method: r.method, body: r.body, headers: { "Content-Type": "application/json", ...headers } });

  it("the route table is what this suite expects to cover (a new route is covered automatically)", () => {
    const paths = protectedRoutes().map((r) => `${r.method} ${r.path.replace(sessionId, ":id")}`);
    expect(paths.length).toBeGreaterThanOrEqual(12);
    for (const p of ["GET /api/stats", "GET /api/traces", "GET /api/sessions/:id", "POST /api/sessions/:id/replay", "GET /metrics"]) {
      expect(paths).toContain(p);
    }
    expect(paths).not.toContain("GET /api/health");
  });

  it("the control: an operator token is served on every route", async () => {
    for (const r of protectedRoutes()) {
      const res = await call(r, { Authorization: `Bearer ${opToken}` });
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 200 });
    }
  });

  it("no token: 401 with the contract's error body on every route", async () => {
    for (const r of protectedRoutes()) {
      const res = await call(r);
      const route = `${r.method} ${r.path}`;
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
      expect(await res.json()).toEqual({ error: { code: "UNAUTHORIZED", message: expect.any(String) } });
    }
  });

  it("a user token: 403 on every route, as a bearer token and as the login cookie", async () => {
    for (const r of protectedRoutes()) {
      const route = `${r.method} ${r.path}`;
      for (const headers of [{ Authorization: `Bearer ${userToken}` }, { Cookie: `switchyard_session=${userToken}` }] as Record<
        string,
        string
      >[]) {
        const res = await call(r, headers);
        expect({ route, headers: Object.keys(headers)[0], status: res.status }).toEqual({
          route,
          headers: Object.keys(headers)[0],
          status: 403,
        });
        expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", message: expect.any(String) } });
      }
    }
  });

  it("every bad token: 401 on every route (bearer and cookie)", async () => {
    for (const [label, token] of BAD) {
      for (const r of protectedRoutes()) {
        for (const headers of [
          { Authorization: `Bearer ${token}` },
          { Cookie: `switchyard_session=${encodeURIComponent(token)}` },
        ] as Record<string, string>[]) {
          const res = await call(r, headers);
          const key = `${label} / ${r.method} ${r.path} / ${Object.keys(headers)[0]}`;
          expect({ key, status: res.status }).toEqual({ key, status: 401 });
          await res.body?.cancel();
        }
      }
    }
  });

  it("an operator token in the query string is not a credential (401 on every route)", async () => {
    for (const r of protectedRoutes()) {
      for (const param of ["token", "access_token", "auth", "switchyard_session"]) {
        const sep = r.path.includes("?") ? "&" : "?";
        const res = await call({ ...r, path: `${r.path}${sep}${param}=${encodeURIComponent(opToken)}` });
        expect({ route: r.path, param, status: res.status }).toEqual({ route: r.path, param, status: 401 });
        await res.body?.cancel();
      }
    }
  });

  it("other Authorization schemes and malformed bearer headers are 401", async () => {
    for (const value of [
      `Basic ${Buffer.from(`ops:${opToken}`).toString("base64")}`,
      `Token ${opToken}`,
      "Bearer",
      "Bearer ",
      `Bearer ${opToken} extra`,
      opToken,
    ]) {
      const res = await fetch(`${t.url}/api/stats`, { headers: { Authorization: value } });
      expect({ value: value.slice(0, 20), status: res.status }).toEqual({ value: value.slice(0, 20), status: 401 });
    }
  });

  it("path tricks do not reach a protected route without a token", async () => {
    for (const path of [
      "/api/stats/",
      "/api//stats",
      "/API/stats",
      "/api/./stats",
      "/api/%73tats",
      "/api/health/../stats",
      "/api/sessions/x/../../stats",
      "/metrics/",
      "/api/stats;x",
      "/api/stats%00",
    ]) {
      const res = await fetch(t.url + path);
      const text = await res.text();
      expect({ path, status: res.status }).not.toEqual({ path, status: 200 });
      expect(text).not.toContain("messages_routed");
    }
  });

  it("a replay refused for want of credentials did not run", async () => {
    const count = async () => (await apiJson<unknown[]>(t, `/api/sessions/${sessionId}/replays`)).length;
    const before = await count();
    const replay = { method: "POST", path: `/api/sessions/${sessionId}/replay`, body: JSON.stringify({ faults: "none" }) };
    for (const headers of [
      {},
      { Authorization: `Bearer ${userToken}` },
      { Cookie: `switchyard_session=${userToken}` },
      ...BAD.map(([, token]) => ({ Authorization: `Bearer ${token}` })),
    ] as Record<string, string>[]) {
      const res = await call(replay, headers);
      expect([401, 403]).toContain(res.status);
      await res.body?.cancel();
    }
    expect(await count()).toBe(before);
    // The control: an operator's replay is stored.
    expect((await call(replay, { Authorization: `Bearer ${opToken}` })).status).toBe(200);
    expect(await count()).toBe(before + 1);
  });
});

describe("POST /api/session (dashboard login)", () => {
  const login = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/api/session`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });

  it("the control: an operator token logs in and sets the cookie", async () => {
    const res = await login(JSON.stringify({ token: opToken }));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain("switchyard_session=");
  });

  it("a user token is 403 and sets no cookie", async () => {
    const res = await login(JSON.stringify({ token: userToken }));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", message: expect.any(String) } });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it.each(BAD)("%s is 401 and sets no cookie", async (_label, token) => {
    const res = await login(JSON.stringify({ token }));
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("garbage bodies are 400 (or 401 for a string that is no token), never a cookie", async () => {
    const cases: [string, number[]][] = [
      ["not json", [400]],
      ["{", [400]],
      ["[]", [400]],
      ["null", [400]],
      ['"token"', [400]],
      ["{}", [400]],
      ['{"token":""}', [400, 401]],
      ['{"token":123}', [400]],
      [`{"token":["${opToken}"]}`, [400]],
      ['{"token":{"sub":"ops","role":"operator"}}', [400]],
      ['{"token":"garbage"}', [401]],
      [JSON.stringify({ token: "x".repeat(5000) }), [400, 401]],
      ['{"__proto__":{"token":"x"}}', [400]],
    ];
    for (const [body, allowed] of cases) {
      const res = await login(body);
      expect({ body: body.slice(0, 40), ok: allowed.includes(res.status), status: res.status }).toMatchObject({
        body: body.slice(0, 40),
        ok: true,
      });
      expect(res.headers.get("set-cookie")).toBeNull();
      await res.body?.cancel();
    }
  });

  it("a body over the limit is refused without a cookie", async () => {
    const res = await login(JSON.stringify({ token: opToken, pad: "p".repeat(100_000) }));
    expect([400, 413]).toContain(res.status);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

describe("cross-user thread and run ids", () => {
  let alice: TestClient;
  let mallory: TestClient;
  let op: TestClient;
  let aliceThread: string;

  beforeAll(async () => {
    [alice, mallory, op] = await Promise.all([t.connect("x-alice"), t.connect("x-mallory"), t.connect("x-op", { role: "operator" })]);
    aliceThread = (await runToEnd(alice, { type: "user_message", payload: { content: "what is 6 * 7?" } })).threadId;
  });

  it("every attempt on alice's running run is FORBIDDEN, and the run is not stopped: it completes and passes", async () => {
    const ack = await alice.send({
      type: "user_message",
      thread_id: aliceThread,
      payload: { content: "what is 9 * 9?", simulate: { delay_ms: 1500 } },
    });
    const runId = ack.run_id as string;
    await alice.waitFor((e) => e.run_id === runId && e.type === "tool_executing");

    const forbidden = [
      { type: "stop_agent", payload: { run_id: runId } },
      { type: "agent_status_request", payload: { run_id: runId } },
      { type: "stop_agent", run_id: runId, payload: { run_id: runId } },
      { type: "ping", run_id: runId },
      { type: "get_thread_history", payload: { thread_id: aliceThread } },
      { type: "user_message", thread_id: aliceThread, payload: { content: "hijack" } },
      { type: "chat", payload: { content: "hijack", thread_id: aliceThread } },
      { type: "start_agent", thread_id: aliceThread, payload: { content: "hijack" } },
      { type: "user_typing", thread_id: aliceThread },
      { type: "typing_started", payload: { thread_id: aliceThread } },
    ];
    for (const env of forbidden) {
      for (const who of [mallory, op]) {
        const res = await who.send(env);
        expect({ who: who.userId, env, code: (res.error as { code?: string } | undefined)?.code }).toEqual({
          who: who.userId,
          env,
          code: "FORBIDDEN",
        });
        expect(res.run_id).toBeUndefined();
      }
    }
    // Through the JSON-RPC bridge too.
    for (const method of ["stop_agent", "agent_status_request"]) {
      const rpc = await mallory.send({
        type: "jsonrpc_request",
        payload: { jsonrpc: "2.0", method, params: { run_id: runId }, id: method },
      });
      expect(rpc.ok).toBe(true);
      const resp = await mallory.waitFor((e) => e.type === "jsonrpc_response" && e.trace_id === rpc.trace_id);
      expect(resp.payload).toMatchObject({ id: method, error: { code: -32000, message: "FORBIDDEN" } });
    }

    const end = await alice.waitFor(isTerminal(runId), 10_000);
    expect(end.type).toBe("agent_completed");
    expect(end.payload.status).toBe("completed");
    const session = await sessionWhen(t, runId);
    expect(session.status).toBe("passed");
    // Nothing mallory sent was recorded as the run's inbound.
    expect(session.inbound.map((i) => i.type)).toEqual(["user_message"]);
  });

  it("nothing of alice's reached mallory, and nothing of mallory's joined alice's thread", async () => {
    await sleep(100);
    expect(mallory.events.filter((e) => e.user_id === "x-alice" || e.thread_id === aliceThread)).toEqual([]);
    const ack = await alice.send({ type: "get_thread_history", payload: { thread_id: aliceThread } });
    const history = await alice.waitFor((e) => e.type === "thread_history" && e.trace_id === ack.trace_id);
    const contents = (history.payload.messages as { content: string }[]).map((m) => m.content);
    expect(contents.filter((c) => c.includes("hijack"))).toEqual([]);
    expect(contents.length).toBeGreaterThanOrEqual(2);
  });

  it("ids of another user's finished run and thread are FORBIDDEN; made-up ids are NOT_FOUND", async () => {
    const { runId } = await runToEnd(alice, { type: "user_message", payload: { content: "what is 1 + 2?" } });
    await sessionWhen(t, runId);
    for (const env of [
      { type: "stop_agent", payload: { run_id: runId } },
      { type: "agent_status_request", payload: { run_id: runId } },
    ]) {
      expect(await mallory.send(env)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    }
    for (const env of [
      { type: "stop_agent", payload: { run_id: `${runId}x` } },
      { type: "agent_status_request", payload: { run_id: "run_00000000-0000-0000-0000-000000000000" } },
      { type: "get_thread_history", payload: { thread_id: `${aliceThread}x` } },
      { type: "user_message", thread_id: "thr_00000000-0000-0000-0000-000000000000", payload: { content: "x" } },
    ]) {
      expect(await mallory.send(env)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
  });

  it("message_id is per user: another user's message_id neither returns alice's ack nor blocks mallory's message", async () => {
    const id = `shared-${Date.now()}`;
    const first = await alice.send({ type: "create_thread", message_id: id, payload: { title: "alice's" } });
    expect(first).toMatchObject({ ok: true, type: "create_thread", message_id: id });
    const theirs = await mallory.send({ type: "user_message", message_id: id, payload: { content: "what is 2 + 5?" } });
    expect(theirs).toMatchObject({ ok: true, type: "user_message", message_id: id, run_id: expect.any(String) });
    expect(theirs.thread_id).not.toBe(first.thread_id);
    await mallory.waitFor(isTerminal(theirs.run_id as string));
    // alice's repeat still gets alice's first ack, and mallory's its own.
    expect(await alice.send({ type: "ping", message_id: id })).toEqual(first);
    expect(await mallory.send({ type: "ping", message_id: id })).toEqual(theirs);
    expect(mallory.events.filter((e) => e.thread_id === first.thread_id)).toEqual([]);
  });

  it("a stop_agent by the owner still works (the control)", async () => {
    const ack = await alice.send({ type: "user_message", payload: { content: "what is 3 * 3?", simulate: { delay_ms: 2000 } } });
    const runId = ack.run_id as string;
    await alice.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    expect(await alice.send({ type: "stop_agent", payload: { run_id: runId } })).toMatchObject({ ok: true });
    const end = await alice.waitFor(isTerminal(runId));
    expect(end.payload.status).toBe("cancelled");
    expect((await eventually(() => sessionWhen(t, runId))).status).toBe("cancelled");
  });
});
