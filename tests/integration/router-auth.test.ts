import { SignJWT } from "jose";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestNode, TEST_SECRET, tryConnect, type TestNode } from "../support/test-node";

/** The handshake of the chat namespace: UNAUTHORIZED and TOO_MANY_CONNECTIONS (PROTOCOL.md "Identity", "Chat namespace"). */

const MAX_CONNECTIONS = 2;
let t: TestNode;

beforeAll(async () => {
  t = await startTestNode({ MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS) });
});
afterAll(() => t.stop());

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const key = (secret: string) => new TextEncoder().encode(secret);
const now = () => Math.floor(Date.now() / 1000);

describe("UNAUTHORIZED", () => {
  it("a valid token connects (the control)", async () => {
    expect(await tryConnect(t.url, { token: await t.token("auth-ok") })).toBe("connected");
  });

  it.each<[string, () => Promise<Record<string, unknown>>]>([
    ["no auth at all", async () => ({})],
    ["an empty token", async () => ({ token: "" })],
    ["a non-string token", async () => ({ token: 12345 })],
    ["a malformed token", async () => ({ token: "not.a.jwt" })],
    [
      "a token signed with another secret",
      async () => ({
        token: await new SignJWT({ role: "user" })
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("forger")
          .sign(key("another-secret-0123456789abcdef")),
      }),
    ],
    [
      "a tampered payload",
      async () => {
        const [h, , s] = (await t.token("auth-victim")).split(".");
        return { token: `${h}.${b64url({ sub: "auth-victim", role: "operator" })}.${s}` };
      },
    ],
    [
      "an expired token",
      async () => ({
        token: await new SignJWT({ role: "user" })
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("late")
          .setIssuedAt(now() - 120)
          .setExpirationTime(now() - 60)
          .sign(key(TEST_SECRET)),
      }),
    ],
    ["alg: none", async () => ({ token: `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "mallory", role: "operator" })}.` })],
    [
      "HS512 with the right secret (only HS256 is accepted)",
      async () => ({
        token: await new SignJWT({ role: "user" }).setProtectedHeader({ alg: "HS512" }).setSubject("alg-swap").sign(key(TEST_SECRET)),
      }),
    ],
    [
      "no sub claim",
      async () => ({ token: await new SignJWT({ role: "user" }).setProtectedHeader({ alg: "HS256" }).sign(key(TEST_SECRET)) }),
    ],
    [
      "a sub outside [A-Za-z0-9_.:@-]",
      async () => ({
        token: await new SignJWT({ role: "user" }).setProtectedHeader({ alg: "HS256" }).setSubject("bad user/../x").sign(key(TEST_SECRET)),
      }),
    ],
    [
      "a sub over 128 characters",
      async () => ({
        token: await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u".repeat(129)).sign(key(TEST_SECRET)),
      }),
    ],
    [
      "an unknown role",
      async () => ({
        token: await new SignJWT({ role: "admin" }).setProtectedHeader({ alg: "HS256" }).setSubject("climber").sign(key(TEST_SECRET)),
      }),
    ],
  ])("%s -> connect_error UNAUTHORIZED", async (_label, auth) => {
    expect(await tryConnect(t.url, await auth())).toBe("UNAUTHORIZED");
  });

  it("a token without exp and without role is a user token", async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("auth-plain").sign(key(TEST_SECRET));
    const socket = io(t.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    const evt = await new Promise<{ type: string; payload: Record<string, unknown> }>((resolve, reject) => {
      socket.on("event", (e: { type: string; payload: Record<string, unknown> }) => e.type === "connection_established" && resolve(e));
      socket.once("connect_error", reject);
    });
    expect(evt.payload).toMatchObject({ user_id: "auth-plain", node_id: "test-node", connection_id: expect.any(String) });
    const ack = (await socket.timeout(5000).emitWithAck("message", { type: "broadcast", payload: { content: "hi" } })) as Record<
      string,
      unknown
    >;
    expect(ack).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    socket.close();
  });

  it("refused handshakes leave the node serving others", async () => {
    const c = await t.connect("auth-after");
    expect(await c.send({ type: "ping" })).toMatchObject({ ok: true });
    c.close();
  });
});

describe("TOO_MANY_CONNECTIONS", () => {
  it(`a user already at MAX_CONNECTIONS_PER_USER (${MAX_CONNECTIONS}) is refused; other users are not; a close frees a slot`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => t.connect("auth-busy")));
    expect(await tryConnect(t.url, { token: await t.token("auth-busy") })).toBe("TOO_MANY_CONNECTIONS");
    // Existing connections are untouched.
    for (const c of open) expect(await c.send({ type: "ping" })).toMatchObject({ ok: true });
    expect(await tryConnect(t.url, { token: await t.token("auth-other") })).toBe("connected");
    open[0]!.close();
    await eventually(async () => (await tryConnect(t.url, { token: await t.token("auth-busy") })) === "connected", 5000, "a freed slot");
    for (const c of open) c.close();
  });

  it("concurrent handshakes cannot exceed the limit", async () => {
    const token = await t.token("auth-racer");
    const sockets: Socket[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS + 3 }, () => {
        const socket = io(t.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
        sockets.push(socket);
        return new Promise<string>((resolve) => {
          socket.once("connect", () => resolve("connected"));
          socket.once("connect_error", (err) => resolve(err.message));
        });
      }),
    );
    expect(outcomes.filter((o) => o === "connected")).toHaveLength(MAX_CONNECTIONS);
    expect(outcomes.filter((o) => o === "TOO_MANY_CONNECTIONS")).toHaveLength(3);
    const listed = (await (await t.api("/api/connections?user_id=auth-racer")).json()) as unknown[];
    expect(listed).toHaveLength(MAX_CONNECTIONS);
    for (const s of sockets) s.close();
  });
});
