import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_ONLY } from "../support/fuzz-envelopes";
import { defineHandler, type HandlerDefinition } from "../../server/router/handler-types";
import { HANDLER_FAMILIES } from "../../server/router/handlers";
import { HandlerRegistry } from "../../server/router/registry";
import { apiJson, startTestNode, type TestNode } from "../support/test-node";

/** One registry, each type exactly one handler (PROTOCOL.md "Message types"), and GET /api/handlers. */

const CLIENT_TYPES: Record<string, string[]> = {
  connect: ["connected"],
  disconnect: [],
  ping: [],
  heartbeat: [],
  pong: [],
  heartbeat_ack: [],
  user_typing: ["typing"],
  typing_started: [],
  typing_stopped: [],
  user_message: ["chat", "user", "user_input", "message", "chat_message"],
  start_agent: ["execute_agent", "agent_request", "agent"],
  stop_agent: [],
  agent_status_request: [],
  create_thread: [],
  get_thread_history: [],
  jsonrpc_request: [],
  error_message: ["error"],
  get_quality_metrics: [],
  subscribe_quality_alerts: [],
  validate_content: [],
  generate_quality_report: [],
  broadcast: [],
};

const handlerFor = (type: string, handler: string) =>
  defineHandler({ type: type as "ping", handler, handle: () => undefined }) as HandlerDefinition;

describe("HandlerRegistry", () => {
  it("refuses a second handler for a type, naming both handlers", () => {
    const registry = new HandlerRegistry();
    registry.registerFamily({ source: "first-family", handlers: [handlerFor("ping", "FirstHandler.ping")] });
    expect(() => registry.registerFamily({ source: "second-family", handlers: [handlerFor("ping", "SecondHandler.ping")] })).toThrow(
      /FirstHandler\.ping[\s\S]*SecondHandler\.ping|SecondHandler\.ping[\s\S]*FirstHandler\.ping/,
    );
  });

  it("refuses registering a real family twice", () => {
    const registry = new HandlerRegistry();
    for (const family of HANDLER_FAMILIES) registry.registerFamily(family);
    registry.assertComplete();
    for (const family of HANDLER_FAMILIES) {
      const names = family.handlers.map((h) => h.handler);
      expect(() => registry.registerFamily(family)).toThrow(new RegExp(names[0]!.replace(/\./g, "\\.")));
    }
  });

  it("refuses a handler under an alias (an alias resolves to its canonical type's one handler)", () => {
    const registry = new HandlerRegistry();
    registry.register(handlerFor("user_message", "Real.userMessage"), "agent");
    expect(() => registry.register(handlerFor("chat", "Shadow.chat"), "shadow")).toThrow();
    expect(registry.resolve("chat")).toMatchObject({ kind: "handled", entry: { type: "user_message" } });
  });

  it.each(SERVER_ONLY)("refuses a handler for the server-only type %s", (type) => {
    const registry = new HandlerRegistry();
    expect(() => registry.register(handlerFor(type, `Rogue.${type}`), "rogue")).toThrow(/server-only/);
    expect(registry.resolve(type)).toEqual({ kind: "server_only" });
  });

  it("refuses a type that is not declared, and an incomplete registry", () => {
    const registry = new HandlerRegistry();
    expect(() => registry.register(handlerFor("teleport", "Rogue.teleport"), "rogue")).toThrow();
    expect(() => registry.assertComplete()).toThrow(/ping/);
  });
});

interface HandlerRow {
  type: string;
  aliases: string[];
  handler: string;
  source: string;
  stats: { count: number; errors: number; p50_ms: number; p99_ms: number };
}

describe("GET /api/handlers", () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ FAULT_INJECTION: "1" });
  });
  afterAll(() => t.stop());

  it("lists each client type exactly once with its aliases, handler and source", async () => {
    const rows = await apiJson<HandlerRow[]>(t, "/api/handlers");
    const types = rows.map((r) => r.type);
    expect(new Set(types).size).toBe(types.length);
    expect([...types].sort()).toEqual(Object.keys(CLIENT_TYPES).sort());
    for (const r of rows) {
      expect([...r.aliases].sort(), r.type).toEqual([...CLIENT_TYPES[r.type]!].sort());
      expect(r.handler).toMatch(/\S/);
      expect(r.source).toMatch(/\S/);
      expect(r.stats).toEqual({
        count: expect.any(Number),
        errors: expect.any(Number),
        p50_ms: expect.any(Number),
        p99_ms: expect.any(Number),
      });
    }
    // No alias is also a type, and no alias or type is server-only.
    const aliases = rows.flatMap((r) => r.aliases);
    expect(new Set(aliases).size).toBe(aliases.length);
    for (const a of aliases) expect(types).not.toContain(a);
    for (const s of SERVER_ONLY) expect([...types, ...aliases]).not.toContain(s);
    // Every handler name is distinct.
    expect(new Set(rows.map((r) => r.handler)).size).toBe(rows.length);
  });

  it("needs an operator: no token 401, a user token 403", async () => {
    expect((await t.api("/api/handlers", { token: null })).status).toBe(401);
    expect((await t.api("/api/handlers", { token: await t.token("reg-user") })).status).toBe(403);
  });

  it("stats move after traffic: count, errors, p50_ms, p99_ms", async () => {
    const row = async (type: string) => (await apiJson<HandlerRow[]>(t, "/api/handlers")).find((r) => r.type === type)!;
    const pingBefore = await row("ping");
    const umBefore = await row("user_message");
    const c = await t.connect("reg-traffic");
    for (let i = 0; i < 5; i++) expect((await c.send({ type: "ping" })).ok).toBe(true);
    const ok = await c.send({ type: "chat", payload: { content: "what is 2 + 2?" } });
    expect(ok.ok).toBe(true);
    const failed = await c.send({ type: "user_message", payload: { content: "boom", simulate: { throw: true } } });
    expect(failed).toMatchObject({ ok: false, error: { code: "HANDLER_ERROR" } });

    const pingAfter = await row("ping");
    expect(pingAfter.stats.count - pingBefore.stats.count).toBe(5);
    expect(pingAfter.stats.errors).toBe(pingBefore.stats.errors);
    expect(pingAfter.stats.p50_ms).toBeGreaterThan(0);
    expect(pingAfter.stats.p99_ms).toBeGreaterThanOrEqual(pingAfter.stats.p50_ms);

    const umAfter = await row("user_message");
    expect(umAfter.stats.count - umBefore.stats.count).toBe(2); // the alias counts for its canonical type
    expect(umAfter.stats.errors - umBefore.stats.errors).toBe(1);
    expect(umAfter.stats.p50_ms).toBeGreaterThan(0);
    expect(umAfter.stats.p99_ms).toBeGreaterThanOrEqual(umAfter.stats.p50_ms);
    c.close();
  });
});
