import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { getScriptNonceFromHeaders } from "next/dist/server/app-render/get-script-nonce-from-header";
import pino from "pino";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../server/env";
import type * as LoggerModule from "../../server/logger";
import { createLogger } from "../../server/logger";
import { SwitchyardNode } from "../../server/node";
import { badTokens, tryHandshake } from "../support/fuzz-hardening";
import { apiJson, runToEnd, sessionWhen, sleep, startTestNode, testNodeEnv, tryConnect, type TestNode } from "../support/test-node";

/**
 * HTTP hardening (issue 8; PROTOCOL.md "Operator surfaces", "Dashboard"): the login cookie's
 * attributes, CSRF (cross-origin POST/DELETE), security headers, ALLOWED_ORIGINS on the Socket.IO
 * handshake (including cross-site WebSocket hijacking of /inspector with the login cookie), tokens
 * never accepted from the query string, and tokens never written to logs or traces.
 */

// Every line the server logs (through the real createLogger: same level, same redaction) is captured here.
const captured = vi.hoisted(() => ({ lines: [] as string[] }));
vi.mock("../../server/logger", async (importOriginal) => {
  const mod = await importOriginal<typeof LoggerModule>();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured.lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return {
    ...mod,
    createLogger: (level: string, nodeId: string) => {
      const logger = mod.createLogger(level, nodeId);
      (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = sink;
      return logger;
    },
  };
});

const EVIL = "http://evil.example";
const APP = "http://app.example";

let t: TestNode;
let opToken: string;
let userToken: string;
let sessionId: string;

beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1", LOG_LEVEL: "trace" });
  opToken = await t.token("http-op", "operator");
  userToken = await t.token("http-user");
  const c = await t.connect("http-seed");
  sessionId = (await runToEnd(c, { type: "user_message", payload: { content: "what is 5 * 5?" } })).runId;
  await sessionWhen(t, sessionId);
  c.close();
});
afterAll(() => t?.stop());

const origin = () => t.url; // http://127.0.0.1:<port>

describe("the login cookie", () => {
  it("POST /api/session sets switchyard_session HttpOnly, SameSite=Strict, Path=/, with a lifetime", async () => {
    const res = await fetch(`${t.url}/api/session`, {
      method: "POST",
      body: JSON.stringify({ token: opToken }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    const [pair, ...attrs] = cookie.split(";").map((s) => s.trim());
    expect(pair).toBe(`switchyard_session=${encodeURIComponent(opToken)}`);
    const lower = attrs.map((a) => a.toLowerCase());
    expect(lower).toContain("httponly");
    expect(lower).toContain("samesite=strict");
    expect(lower).toContain("path=/");
    expect(lower.some((a) => a.startsWith("max-age=") && Number(a.slice(8)) > 0) || lower.some((a) => a.startsWith("expires="))).toBe(true);
    // The body does not echo the token back.
    expect(await res.text()).not.toContain(opToken);
  });

  it("behind HTTPS (X-Forwarded-Proto: https) the cookie is also Secure", async () => {
    const res = await fetch(`${t.url}/api/session`, {
      method: "POST",
      body: JSON.stringify({ token: opToken }),
      headers: { "Content-Type": "application/json", "X-Forwarded-Proto": "https" },
    });
    expect(
      res.headers
        .get("set-cookie")!
        .toLowerCase()
        .split(";")
        .map((s) => s.trim()),
    ).toContain("secure");
  });

  it("the cookie works as a credential on /api/* and DELETE /api/session clears it", async () => {
    const cookie = `switchyard_session=${encodeURIComponent(opToken)}`;
    expect((await fetch(`${t.url}/api/stats`, { headers: { Cookie: cookie } })).status).toBe(200);
    const res = await fetch(`${t.url}/api/session`, { method: "DELETE", headers: { Cookie: cookie } });
    expect(res.status).toBe(200);
    const cleared = res.headers.get("set-cookie")!.toLowerCase();
    expect(cleared).toMatch(/^switchyard_session=;/);
    expect(cleared).toMatch(/max-age=0|expires=thu, 01 jan 1970/);
  });
});

describe("CSRF: cross-origin mutations are refused", () => {
  const cookie = () => `switchyard_session=${encodeURIComponent(opToken)}`;
  const mutations = () => [
    { method: "POST", path: "/api/session", body: JSON.stringify({ token: opToken }) },
    { method: "DELETE", path: "/api/session", body: undefined },
    { method: "POST", path: `/api/sessions/${sessionId}/replay`, body: JSON.stringify({ faults: "recorded" }) },
  ];
  const send = (m: { method: string; path: string; body?: string }, headers: Record<string, string>) =>
    fetch(t.url + m.path, { method: m.method, body: m.body, headers: { "Content-Type": "application/json", ...headers } });

  it("Origin: http://evil.example (with the operator's cookie, or even its bearer token) is 403 and changes nothing", async () => {
    const replaysBefore = (await apiJson<unknown[]>(t, `/api/sessions/${sessionId}/replays`)).length;
    for (const m of mutations()) {
      for (const creds of [{ Cookie: cookie() }, { Authorization: `Bearer ${opToken}` }] as Record<string, string>[]) {
        for (const bad of [
          EVIL,
          `${origin()}.evil.example`,
          "http://evil.example:80",
          "null",
          `${EVIL}/${origin()}`,
          "https://127.0.0.1.evil.example",
        ]) {
          const res = await send(m, { ...creds, Origin: bad });
          expect({ route: `${m.method} ${m.path}`, origin: bad, status: res.status }).toEqual({
            route: `${m.method} ${m.path}`,
            origin: bad,
            status: 403,
          });
          expect(res.headers.get("set-cookie")).toBeNull();
          await res.body?.cancel();
        }
      }
    }
    expect((await apiJson<unknown[]>(t, `/api/sessions/${sessionId}/replays`)).length).toBe(replaysBefore);
  });

  it("the control: the same requests from the server's own origin go through", async () => {
    for (const m of mutations()) {
      const res = await send(m, { Cookie: cookie(), Origin: origin() });
      expect({ route: `${m.method} ${m.path}`, status: res.status }).toEqual({ route: `${m.method} ${m.path}`, status: 200 });
      await res.body?.cancel();
    }
  });

  it("a forged Origin on a GET does not turn it into a CORS-readable response", async () => {
    const res = await fetch(`${t.url}/api/stats`, { headers: { Authorization: `Bearer ${opToken}`, Origin: EVIL } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("security headers", () => {
  const HEADERS = (res: Response) => ({
    nosniff: res.headers.get("x-content-type-options"),
    frame: res.headers.get("x-frame-options"),
    referrer: res.headers.get("referrer-policy"),
  });
  const EXPECTED = {
    nosniff: "nosniff",
    frame: "DENY",
    referrer: expect.stringMatching(/^(no-referrer|same-origin|strict-origin(-when-cross-origin)?)$/),
  };

  it("every /api response carries them: 200, 400, 401, 403, 404, 405", async () => {
    const auth = { Authorization: `Bearer ${opToken}` };
    const cases: [string, RequestInit, number][] = [
      ["/api/stats", { headers: auth }, 200],
      ["/api/health", {}, 200],
      [`/api/sessions/${sessionId}`, { headers: auth }, 200],
      [`/api/sessions/${sessionId}/export`, { headers: auth }, 200],
      ["/api/traces?limit=0", { headers: auth }, 400],
      ["/api/stats", {}, 401],
      ["/api/stats", { headers: { Authorization: `Bearer ${userToken}` } }, 403],
      ["/api/nope", { headers: auth }, 404],
      ["/api/sessions/run_missing", { headers: auth }, 404],
      ["/api/stats", { method: "DELETE", headers: auth }, 405],
      ["/api/session", { method: "POST", body: "garbage" }, 400],
    ];
    for (const [path, init, status] of cases) {
      const res = await fetch(t.url + path, init);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect({ path, ...HEADERS(res) }).toEqual({ path, ...EXPECTED });
      await res.body?.cancel();
    }
  });

  it("API responses are not cacheable and are JSON", async () => {
    const res = await fetch(`${t.url}/api/sessions/${sessionId}`, { headers: { Authorization: `Bearer ${opToken}` } });
    expect(res.headers.get("cache-control")).toMatch(/no-store/);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  // Regression (was a server bug, fixed): GET /metrics writes its own head (server/http/api-routes.ts, the "/metrics" route:
  // `r.res.writeHead(200, { "Content-Type": ..., "Cache-Control": "no-store" })`) and so skips
  // SECURITY_HEADERS (server/http/http-kit.ts), which "every API response" is meant to carry; its 401/403
  // answers do carry them. Fix: `r.res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": node.metrics.contentType })`.
  it("GET /metrics (same auth as /api/*) carries them too", async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { Authorization: `Bearer ${opToken}` } });
    expect(res.status).toBe(200);
    expect(HEADERS(res)).toEqual(EXPECTED);
    expect(res.headers.get("cache-control")).toMatch(/no-store/);
  });
});

describe("list cursors", () => {
  it("a malformed cursor is 400 INVALID_MESSAGE naming `before`, never a 500", async () => {
    for (const path of ["/api/traces?before=1_abc", "/api/traces?before=1_", "/api/sessions?before=abc", "/api/users?before=x_y"]) {
      const res = await t.api(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: "INVALID_MESSAGE",
        message: expect.stringContaining("before"),
      });
    }
    const first = await t.api("/api/traces?limit=1");
    const next = first.headers.get("x-next-cursor");
    expect(next).toMatch(/^\d+_\d+$/);
    expect((await t.api(`/api/traces?limit=1&before=${next}`)).status).toBe(200);
  });
});

describe("tokens are never taken from the URL", () => {
  it("?token=<operator token> on /api/* and /metrics is 401", async () => {
    for (const path of ["/api/stats", "/api/sessions", `/api/sessions/${sessionId}`, "/api/traces", "/metrics"]) {
      const res = await fetch(`${t.url}${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(opToken)}`);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  it("?token= on a Socket.IO handshake is not a credential (chat and /inspector)", async () => {
    expect(await tryHandshake(t.url, { query: { token: opToken } })).toBe("UNAUTHORIZED");
    expect(await tryHandshake(t.url, { query: { token: opToken } }, "/inspector")).toBe("UNAUTHORIZED");
  });
});

describe("ALLOWED_ORIGINS on the Socket.IO handshake", () => {
  let n: TestNode;
  let token: string;
  let op: string;
  beforeAll(async () => {
    n = await startTestNode({ ALLOWED_ORIGINS: APP });
    token = await n.token("origin-user");
    op = await n.token("origin-op", "operator");
  });
  afterAll(() => n?.stop());

  const handshake = (transport: "websocket" | "polling", originHeader: string | undefined, auth: Record<string, unknown>, nsp = "/") =>
    tryHandshake(n.url, { transports: [transport], auth, extraHeaders: originHeader ? { Origin: originHeader } : {} }, nsp);

  for (const transport of ["websocket", "polling"] as const) {
    it(`${transport}: a foreign Origin is refused, a listed one, the server's own and none are accepted`, async () => {
      expect(await handshake(transport, EVIL, { token })).not.toBe("connected");
      expect(await handshake(transport, "http://app.example.evil.example", { token })).not.toBe("connected");
      expect(await handshake(transport, "null", { token })).not.toBe("connected");
      expect(await handshake(transport, APP, { token })).toBe("connected");
      expect(await handshake(transport, n.url, { token })).toBe("connected");
      expect(await handshake(transport, undefined, { token })).toBe("connected");
    });

    it(`${transport}: cross-site WebSocket hijacking of /inspector with the login cookie is refused`, async () => {
      const cookie = { Cookie: `switchyard_session=${encodeURIComponent(op)}` };
      const via = (originHeader: string) =>
        tryHandshake(n.url, { transports: [transport], extraHeaders: { ...cookie, Origin: originHeader } }, "/inspector");
      expect(await via(EVIL)).not.toBe("connected");
      expect(await via(n.url)).toBe("connected");
    });
  }

  it("the engine.io handshake of a foreign Origin gets no CORS grant; a listed one gets exactly its own", async () => {
    const evil = await fetch(`${n.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: EVIL } });
    expect(evil.headers.get("access-control-allow-origin")).not.toBe(EVIL);
    expect(evil.headers.get("access-control-allow-origin")).not.toBe("*");
    expect(evil.status).not.toBe(200);
    await evil.body?.cancel();
    const app = await fetch(`${n.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: APP } });
    expect(app.status).toBe(200);
    expect(app.headers.get("access-control-allow-origin")).toBe(APP);
    await app.body?.cancel();
  });

  it("without ALLOWED_ORIGINS a foreign Origin is refused too", async () => {
    expect(await tryHandshake(t.url, { auth: { token: userToken }, extraHeaders: { Origin: EVIL } })).not.toBe("connected");
    expect(await tryHandshake(t.url, { auth: { token: userToken }, extraHeaders: { Origin: origin() } })).toBe("connected");
  });
});

describe("the inspector under hostile filters", () => {
  it("subscribe with garbage is answered (ok or INVALID_MESSAGE), keeps the connection, and the feed goes on", async () => {
    const inspector = io(`${t.url}/inspector`, {
      auth: { token: opToken },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    const batches: { events: { user_id?: string }[] }[] = [];
    inspector.on("trace", (b: { events: { user_id?: string }[] }) => batches.push(b));
    await new Promise<void>((resolve, reject) => {
      inspector.once("snapshot", () => resolve());
      inspector.once("connect_error", reject);
    });
    const protoBefore = Reflect.ownKeys(Object.prototype).map(String).sort();
    const garbage: unknown[] = [
      JSON.parse('{"__proto__":{"user_id":"x","polluted":"yes"},"constructor":{"prototype":{"isAdmin":true}}}'),
      JSON.parse('{"user_id":{"__proto__":"x"}}'),
      [],
      "user_id",
      42,
      null,
      { user_id: "u".repeat(5000) },
      { kind: "no_such_kind" },
      { type: ["ping"] },
      { user_id: "\ud800", run_id: "' OR 1=1 --" },
      JSON.parse(`${"[".repeat(1000)}${"]".repeat(1000)}`),
    ];
    for (const filter of garbage) {
      const ack = (await inspector.timeout(5000).emitWithAck("subscribe", filter)) as { ok: boolean; error?: { code: string } };
      expect(ack.ok === true || ack.error?.code === "INVALID_MESSAGE", JSON.stringify(ack)).toBe(true);
    }
    inspector.emit("pause", { junk: true });
    inspector.emit("resume", "x", 1, 2);
    expect(inspector.connected).toBe(true);
    expect(Reflect.ownKeys(Object.prototype).map(String).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A valid filter afterwards takes effect: only that user's traces arrive.
    expect(await inspector.timeout(5000).emitWithAck("subscribe", { user_id: "inspect-me" })).toMatchObject({ ok: true });
    batches.length = 0;
    const c = await t.connect("inspect-me");
    await c.send({ type: "ping" });
    const other = await t.connect("inspect-not-me");
    await other.send({ type: "ping" });
    await sleep(400);
    const seen = batches.flatMap((b) => b.events);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.user_id === "inspect-me")).toBe(true);
    for (const x of [c, other]) x.close();
    inspector.close();
  });
});

describe("tokens never reach logs or traces", () => {
  it("after handshakes, API calls and failures with tokens everywhere, no token (or its signature) is in the log or the stored traces", async () => {
    const bad = badTokens().map(([, tok]) => tok);
    const secrets = [opToken, userToken, ...bad];
    // Handshakes: valid, refused, via cookie.
    const c = await t.connect("log-user");
    await tryConnect(t.url, { token: bad[0] });
    await tryConnect(t.url, { token: userToken }, "/inspector");
    await tryHandshake(t.url, { extraHeaders: { Cookie: `switchyard_session=${encodeURIComponent(bad[2]!)}` } }, "/inspector");
    // Messages that fail, a handler that throws, a token inside the payload as data.
    await c.send({ type: "user_message", payload: { content: "hi", simulate: { throw: true } } });
    await c.send({ type: "ping", payload: { token: userToken, authorization: `Bearer ${userToken}` } });
    await c.send({ type: "nope", token: userToken });
    // HTTP: bearer, cookie, query string, login, failed login.
    for (const tok of [opToken, userToken, bad[1]!]) {
      await (await fetch(`${t.url}/api/stats`, { headers: { Authorization: `Bearer ${tok}` } })).text();
      await (await fetch(`${t.url}/api/stats?token=${tok}`)).text();
      await (await fetch(`${t.url}/api/nope`, { headers: { Cookie: `switchyard_session=${tok}` } })).text();
      await (
        await fetch(`${t.url}/api/session`, {
          method: "POST",
          body: JSON.stringify({ token: tok }),
          headers: { "Content-Type": "application/json" },
        })
      ).text();
    }
    await (
      await fetch(`${t.url}/api/session`, {
        method: "POST",
        body: `{"token": "${opToken}"`,
        headers: { "Content-Type": "application/json" },
      })
    ).text();
    c.close();
    await sleep(300);

    expect(captured.lines.length, "the node logged at trace level").toBeGreaterThan(0);
    const log = captured.lines.join("");
    for (const tok of secrets) {
      const signature = tok.split(".")[2];
      expect(log.includes(tok), "a token in the log").toBe(false);
      if (signature && signature.length > 20) expect(log.includes(signature), "a token signature in the log").toBe(false);
    }
    for (const path of [
      "/api/traces?limit=1000",
      "/api/connections",
      "/api/users",
      `/api/sessions/${sessionId}/export`,
      "/api/handlers/unhandled",
    ]) {
      const text = await (await t.api(path)).text();
      for (const tok of [opToken, userToken]) expect({ path, leaked: text.includes(tok.split(".")[2]!) }).toEqual({ path, leaked: false });
    }
  });
});

describe("the console's content security policy (production)", () => {
  // A production node whose page handler (Next.js, in server/index.ts) is a stand-in answering with the
  // request headers Next.js reads: the nonce of the response's policy must reach it (issue 16).
  let node: SwitchyardNode;
  let url: string;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "switchyard-csp-"));
    const config = loadConfig({ ...testNodeEnv(dataDir), NODE_ENV: "production" });
    node = await SwitchyardNode.create({
      config,
      logger: createLogger(config.LOG_LEVEL, config.NODE_ID),
      pageHandler: (req, res) => void res.end(JSON.stringify(req.headers)),
    });
    url = `http://127.0.0.1:${await node.listen(0, "127.0.0.1")}`;
  });
  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const page = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/sessions`, { headers });
    const policy = res.headers.get("content-security-policy") ?? "";
    const scriptSrc = policy
      .split(";")
      .map((d) => d.trim())
      .find((d) => d.startsWith("script-src"));
    return { policy, scriptSrc, seenByNext: (await res.json()) as Record<string, string> };
  };

  it("script-src has no 'unsafe-inline', only 'self' and a fresh nonce, which Next.js reads from the request", async () => {
    const first = await page();
    const second = await page();
    for (const { policy, scriptSrc, seenByNext } of [first, second]) {
      expect(scriptSrc).not.toContain("unsafe-inline");
      expect(scriptSrc).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='$/);
      expect(policy).toContain("object-src 'none'");
      const nonce = getScriptNonceFromHeaders(seenByNext);
      expect(scriptSrc).toContain(`'nonce-${nonce}'`);
      expect(seenByNext["x-nonce"]).toBe(nonce);
    }
    expect(first.scriptSrc).not.toBe(second.scriptSrc);
  });

  it("a client cannot choose the nonce: its own policy and x-nonce request headers are replaced", async () => {
    const chosen = "AAAAAAAAAAAAAAAAAAAAAA==";
    const { scriptSrc, seenByNext } = await page({ "Content-Security-Policy": `script-src 'nonce-${chosen}'`, "X-Nonce": chosen });
    expect(scriptSrc).not.toContain(chosen);
    expect(getScriptNonceFromHeaders(seenByNext)).not.toBe(chosen);
    expect(seenByNext["x-nonce"]).not.toBe(chosen);
  });
});
