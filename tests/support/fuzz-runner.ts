import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";
import { CONTRACT_ERROR_CODES, emitRawJson, generateCase, Rng, type FuzzCase, type FuzzWorld } from "./fuzz-envelopes";
import { apiJson, eventually, isTerminal, runToEnd, sessionWhen, sleep, type TestClient, type TestNode } from "./test-node";

/**
 * Sends generated fuzz cases over real connections and judges every answer against the contract
 * (used by tests/integration/hardening-fuzz*.test.ts).
 */

/** What an error message must not contain: stack frames, source paths, engine and database names. */
export const INTERNALS =
  /node_modules|\.[cm]?[jt]s:\d+|\/work\/|\/home\/|\n\s+at |\bat [\w.<>]+ \(|TypeError|ReferenceError|RangeError|prisma|sqlite|postgres|invocation/i;

export interface Outcome {
  c: FuzzCase;
  conn: number;
  ack?: Record<string, unknown>;
  failure?: string;
}

export type MutableWorld = FuzzWorld & {
  ownThreadIds: string[];
  ownRunIds: string[];
  foreignThreadIds: string[];
  foreignRunIds: string[];
  withMessageId: FuzzCase[];
};

export function summarize(c: FuzzCase): string {
  let text = c.rawJson;
  if (text === undefined) {
    try {
      text = JSON.stringify(c.args);
    } catch {
      text = "<unserializable>";
    }
  }
  return `#${c.n} ${c.category}${c.ack ? "" : " (no ack)"}: ${text.length > 220 ? `${text.slice(0, 220)}... (${text.length} chars)` : text}`;
}

/** Judges one ack against the contract and the case's expectation; returns what is wrong, or null. */
export function judge(o: Outcome, acks: Map<number, Record<string, unknown>>): string | null {
  const { c, ack } = o;
  if (o.failure) return o.failure;
  if (!ack || typeof ack !== "object") return `no ack object: ${JSON.stringify(ack)}`;
  if (typeof ack.trace_id !== "string" || !ack.trace_id) return `ack without trace_id: ${JSON.stringify(ack)}`;
  if (c.repeats !== undefined) {
    const first = acks.get(c.repeats);
    return isDeepStrictEqual(first, ack)
      ? null
      : `a repeated message_id did not return the first ack: first ${JSON.stringify(first)}, got ${JSON.stringify(ack)}`;
  }
  const env = c.args[0] as { message_id?: unknown } | null | undefined;
  const sentId = typeof env === "object" && env !== null && typeof env.message_id === "string" ? env.message_id : undefined;
  if (ack.ok === true) {
    if (typeof ack.type !== "string") return `ok ack without type: ${JSON.stringify(ack)}`;
    if (typeof ack.message_id !== "string") return `ok ack without message_id: ${JSON.stringify(ack)}`;
    if (sentId !== undefined && ack.message_id !== sentId) return `ack message_id ${String(ack.message_id)} is not the sent ${sentId}`;
    if (c.expect.kind === "error") return `expected ${c.expect.codes.join("|")}, got ok ${JSON.stringify(ack)}`;
    if (c.expect.kind === "ok") {
      if (c.expect.type && ack.type !== c.expect.type) return `expected ok type ${c.expect.type}, got ${String(ack.type)}`;
      if (c.expect.startsRun && (typeof ack.run_id !== "string" || typeof ack.thread_id !== "string")) {
        return `a run-starting ack without run_id/thread_id: ${JSON.stringify(ack)}`;
      }
    }
    return null;
  }
  if (ack.ok !== false) return `ack.ok is neither true nor false: ${JSON.stringify(ack)}`;
  const error = ack.error as { code?: unknown; message?: unknown } | undefined;
  if (!error || typeof error.code !== "string" || typeof error.message !== "string") {
    return `error ack without {code, message}: ${JSON.stringify(ack)}`;
  }
  if (!(CONTRACT_ERROR_CODES as readonly string[]).includes(error.code)) return `error code ${error.code} is not a contract code`;
  if (INTERNALS.test(error.message)) return `error message names internals: ${error.message}`;
  if (c.expect.kind === "ok") return `expected ok${c.expect.type ? ` (${c.expect.type})` : ""}, got ${JSON.stringify(ack)}`;
  if (c.expect.kind === "error" && !c.expect.codes.includes(error.code as never)) {
    return `expected ${c.expect.codes.join("|")}, got ${error.code} (${error.message})`;
  }
  return null;
}

export interface FuzzRunOptions {
  seed: number;
  cases: number;
  fuzzers: TestClient[];
  world: MutableWorld;
  /** Envelopes in flight at once. */
  window?: number;
  ackTimeoutMs?: number;
  label: string;
}

export interface FuzzRunResult {
  outcomes: Outcome[];
  elapsedMs: number;
  /** Runs the fuzz user started (ok acks of run-starting cases). */
  runIds: string[];
}

/**
 * Generates and sends `cases` envelopes (round robin over the fuzz connections), then asserts the
 * per-message contract: every ack is a contract ack with the expected code, JSON-RPC answers are right,
 * and each message sent without an ack callback that fails comes back as one error_message event.
 */
export async function runFuzz(opts: FuzzRunOptions): Promise<FuzzRunResult> {
  const { seed, fuzzers, world, label } = opts;
  const window = opts.window ?? 24;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 15_000;
  const debug = Boolean(process.env.FUZZ_DEBUG);
  const rng = new Rng(seed);
  const outcomes: Outcome[] = [];
  const ackOf = new Map<number, Promise<Record<string, unknown> | undefined>>();
  const acks = new Map<number, Record<string, unknown>>();
  const expectedNoAckErrors: string[][] = fuzzers.map(() => []);
  const latency = new Map<string, number>();

  const sendOne = (c: FuzzCase): Promise<unknown> => {
    const conn = c.n % fuzzers.length;
    const socket = fuzzers[conn]!.socket;
    const outcome: Outcome = { c, conn };
    outcomes.push(outcome);
    if (!c.ack) {
      socket.emit("message", ...c.args);
      if (c.expect.kind === "error") expectedNoAckErrors[conn]!.push(c.expect.codes[0]!);
      return Promise.resolve();
    }
    const p = new Promise<Record<string, unknown> | undefined>((resolve) => {
      const sentAt = Date.now();
      const timer = setTimeout(() => {
        outcome.failure = `no ack within ${ackTimeoutMs} ms`;
        if (debug) console.log(`[${label}] no ack: ${summarize(c)}`);
        resolve(undefined);
      }, ackTimeoutMs);
      const done = (ack: unknown) => {
        clearTimeout(timer);
        if (debug && Date.now() - sentAt > 1500) console.log(`[${label}] slow ack ${Date.now() - sentAt} ms: ${summarize(c)}`);
        latency.set(c.category, (latency.get(c.category) ?? 0) + Date.now() - sentAt);
        outcome.ack = ack as Record<string, unknown>;
        resolve(outcome.ack);
      };
      if (c.rawJson !== undefined) emitRawJson(socket, 1_000_000 + c.n, c.rawJson, done);
      else socket.emit("message", ...c.args, done);
    });
    ackOf.set(c.n, p);
    return p.then((ack) => {
      if (!ack) return;
      acks.set(c.n, ack);
      const env = c.args[0] as { message_id?: unknown } | null | undefined;
      const id = typeof env === "object" && env !== null ? env.message_id : undefined;
      // Its ack is known: a later case may now repeat its message_id.
      if (c.repeats === undefined && typeof id === "string" && id.length >= 1 && id.length <= 128) world.withMessageId.push(c);
    });
  };

  const started = Date.now();
  const inflight = new Set<Promise<unknown>>();
  // Bounded in time too (FUZZ_BUDGET_MS): on a starved machine fewer cases are sent, and it says so.
  const budgetMs = Number(process.env.FUZZ_BUDGET_MS ?? 60_000);
  for (let n = 0; n < opts.cases; n++) {
    if (Date.now() - started > budgetMs) {
      console.log(`[${label}] time budget of ${budgetMs} ms spent after ${n} of ${opts.cases} cases`);
      break;
    }
    const c = generateCase(rng, n, world);
    if (c.repeats !== undefined) await ackOf.get(c.repeats);
    const p: Promise<unknown> = sendOne(c).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
    if (debug && n % 250 === 0) console.log(`[${label}] ${n} sent, ${Date.now() - started} ms`);
  }
  await Promise.all(inflight);
  const elapsedMs = Date.now() - started;

  const byCategory = new Map<string, number>();
  for (const o of outcomes) byCategory.set(o.c.category, (byCategory.get(o.c.category) ?? 0) + 1);
  console.log(
    `[${label}] seed=${seed}: ${outcomes.length} envelopes in ${elapsedMs} ms; ${[...byCategory].map(([k, v]) => `${k}=${v}`).join(" ")}`,
  );

  if (debug) console.log(`[${label}] ack latency by category (ms, summed): ${[...latency].map(([k, v]) => `${k}=${v}`).join(" ")}`);

  // 1. Every ack is a contract ack, with the exact code wherever the contract decides it.
  const bad = outcomes
    .filter((o) => o.c.ack)
    .map((o) => ({ o, problem: judge(o, acks) }))
    .filter((v) => v.problem !== null);
  expect(
    bad.slice(0, 25).map((v) => `${summarize(v.o.c)}\n      -> ${v.problem}`),
    `seed ${seed}: ${bad.length} envelope(s) broke the contract (reproduce with FUZZ_SEED=${seed})`,
  ).toEqual([]);

  // 2. JSON-RPC: a well-formed request is acked ok and answered with the right error, or a result.
  const rpc = outcomes.filter((o) => o.c.jsonrpc && o.ack?.ok === true);
  const responseOf = (o: Outcome) => fuzzers[o.conn]!.events.find((e) => e.type === "jsonrpc_response" && e.trace_id === o.ack!.trace_id);
  await eventually(() => rpc.every(responseOf), 10_000, "every jsonrpc_response").catch(() => undefined);
  const rpcBad: string[] = [];
  for (const o of rpc) {
    const resp = responseOf(o);
    if (!resp) {
      rpcBad.push(`${summarize(o.c)} -> no jsonrpc_response`);
      continue;
    }
    const p = resp.payload as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
    const exp = o.c.jsonrpc!;
    if (p.jsonrpc !== "2.0" || !isDeepStrictEqual(p.id, exp.id)) rpcBad.push(`${summarize(o.c)} -> bad envelope ${JSON.stringify(p)}`);
    else if (exp.errorCodes.length === 0 && (p.error !== undefined || p.result === undefined)) {
      rpcBad.push(`${summarize(o.c)} -> expected a result, got ${JSON.stringify(p)}`);
    } else if (exp.errorCodes.length > 0 && !exp.errorCodes.includes(p.error?.code as number)) {
      rpcBad.push(`${summarize(o.c)} -> expected error ${exp.errorCodes.join("|")}, got ${JSON.stringify(p)}`);
    } else if (exp.serverErrorMessage && p.error?.message !== exp.serverErrorMessage) {
      rpcBad.push(`${summarize(o.c)} -> expected message ${exp.serverErrorMessage}, got ${JSON.stringify(p)}`);
    }
  }
  expect(rpcBad.slice(0, 20), `seed ${seed}: ${rpcBad.length} JSON-RPC answer(s) off contract`).toEqual([]);

  // 3. Without an ack callback, each failure came back as one error_message event with its code.
  for (const [i, client] of fuzzers.entries()) {
    const expected = expectedNoAckErrors[i]!.sort();
    const codes = () => client.events.filter((e) => e.type === "error_message").map((e) => String(e.payload.error_code));
    const got = await eventually(() => (codes().length >= expected.length ? codes() : null), 10_000, "error_message events").catch(codes);
    expect(got.sort(), `seed ${seed}: error_message events of fuzz connection ${i}`).toEqual(expected);
    for (const e of client.events.filter((x) => x.type === "error_message")) {
      expect(typeof e.payload.error_message).toBe("string");
      expect(String(e.payload.error_message)).not.toMatch(INTERNALS);
    }
  }

  const runIds = outcomes
    .filter((o) => o.ack?.ok === true && typeof o.ack.run_id === "string" && o.c.expect.kind === "ok" && o.c.expect.startsRun)
    .map((o) => o.ack!.run_id as string);
  return { outcomes, elapsedMs, runIds };
}

export interface ScenarioOptions {
  t: TestNode;
  seed: number;
  cases: number;
  loneSurrogates: boolean;
  label: string;
  fuzzUser: string;
  victimUser: string;
}

export interface ScenarioResult extends FuzzRunResult {
  fuzzers: TestClient[];
  victim: TestClient;
  victimRuns: string[];
}

const protoKeys = (o: object) => Reflect.ownKeys(o).map(String).sort();

/**
 * The whole fuzz scenario on one node: two connections of the fuzz user, a victim user with finished
 * runs (whose ids the fuzz forges), two long runs overlapping the fuzz, and a run started every ~100 ms
 * while it lasts. After the fuzz: no connection was closed, both still answer, Object.prototype and
 * Array.prototype of the server process (in-process) are untouched, each side saw only its own events,
 * isolation_violations is 0, and every victim run passed (the forged stop_agent stopped none).
 */
export async function runFuzzScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const { t, seed, label } = o;
  const protoBefore = protoKeys(Object.prototype);
  const arrayProtoBefore = protoKeys(Array.prototype);
  const fuzzers = await Promise.all([t.connect(o.fuzzUser), t.connect(o.fuzzUser)]);
  const victim = await t.connect(o.victimUser);
  const disconnects: string[] = [];
  for (const c of [...fuzzers, victim]) {
    c.socket.on("disconnect", (reason) => {
      disconnects.push(`${c.userId}/${c.connectionId}: ${reason}`);
      if (process.env.FUZZ_DEBUG) console.log(`[${label}] ${c.userId}/${c.connectionId} disconnected: ${reason}`);
    });
  }
  const world: MutableWorld = {
    limitBytes: t.node.config.MAX_MESSAGE_BYTES,
    victimUserId: o.victimUser,
    ownThreadIds: [],
    ownRunIds: [],
    foreignThreadIds: [],
    foreignRunIds: [],
    withMessageId: [],
    loneSurrogates: o.loneSurrogates,
  };
  const victimRuns: string[] = [];
  // Fixed ids for the generator (the same structure every run, so a seed reproduces the same cases).
  for (let i = 0; i < 2; i++) {
    const own = await runToEnd(fuzzers[0], { type: "user_message", payload: { content: `what is ${i} + 1?` } });
    world.ownThreadIds.push(own.threadId);
    world.ownRunIds.push(own.runId);
    const theirs = await runToEnd(victim, { type: "user_message", payload: { content: `what is ${i} + 2?` } });
    world.foreignThreadIds.push(theirs.threadId);
    world.foreignRunIds.push(theirs.runId);
    victimRuns.push(theirs.runId);
  }
  // Long runs of the victim overlapping the fuzz (a delay before tool_completed, under GOLDEN_GAP_MS).
  const longRuns: string[] = [];
  for (let i = 0; i < 2; i++) {
    const ack = await victim.send({
      type: "user_message",
      thread_id: world.foreignThreadIds[0],
      payload: { content: `what is ${i} * 9?`, simulate: { delay_ms: 6000 } },
    });
    expect(ack).toMatchObject({ ok: true, run_id: expect.any(String) });
    longRuns.push(ack.run_id as string);
    world.foreignRunIds.push(ack.run_id as string);
    victimRuns.push(ack.run_id as string);
  }

  let fuzzDone = false;
  const bystander = (async () => {
    let i = 0;
    while (!fuzzDone) {
      const ack = await victim.send({
        type: "user_message",
        thread_id: world.foreignThreadIds[1],
        payload: { content: `what is ${i++} + 40?` },
      });
      expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, run_id: expect.any(String) });
      victimRuns.push(ack.run_id as string);
      await victim.waitFor(isTerminal(ack.run_id as string), 20_000);
      await sleep(100);
    }
  })();
  let result: FuzzRunResult;
  try {
    result = await runFuzz({ seed, cases: o.cases, fuzzers, world, label });
  } finally {
    fuzzDone = true;
    await bystander;
  }

  // No connection was closed for any of it, and both fuzz connections still answer.
  expect(disconnects, `seed ${seed}`).toEqual([]);
  for (const c of fuzzers) {
    expect(c.socket.connected).toBe(true);
    expect(await c.send({ type: "ping" })).toMatchObject({ ok: true, type: "ping" });
  }

  // Nothing reached a prototype of the server process.
  expect(protoKeys(Object.prototype), `seed ${seed}: Object.prototype`).toEqual(protoBefore);
  expect(protoKeys(Array.prototype), `seed ${seed}: Array.prototype`).toEqual(arrayProtoBefore);
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "isAdmin", "role", "simulate", "thread_id", "type", "strict_mode"])
    expect(probe[key], key).toBeUndefined();

  // Isolation: each side saw only its own events (or broadcasts), and the victim no error at all.
  for (const c of [...fuzzers, victim]) {
    const foreign = c.events.filter((e) => e.user_id !== c.userId && e.user_id !== null);
    expect(foreign.slice(0, 5), `seed ${seed}: foreign events on ${c.userId}`).toEqual([]);
  }
  expect(victim.events.filter((e) => e.type === "error_message")).toEqual([]);
  expect((await apiJson<{ isolation_violations: number }>(t, "/api/stats")).isolation_violations).toBe(0);

  // Every victim run passed: the two overlapping the whole fuzz (targets of forged stop_agent) too.
  expect(victimRuns.length).toBeGreaterThan(6);
  for (const runId of longRuns) {
    const end = await victim.waitFor(isTerminal(runId), 15_000);
    expect(end.payload.status, `long run ${runId}`).toBe("completed");
  }
  for (const runId of victimRuns) {
    const s = await sessionWhen(t, runId, undefined, 20_000);
    expect({ runId, status: s.status, reasons: s.verdict.reasons, user: s.user_id }, `seed ${seed}`).toEqual({
      runId,
      status: "passed",
      reasons: [],
      user: o.victimUser,
    });
  }
  // Runs the fuzz user started, some with a forged user_id, belong to the fuzz user.
  expect(result.runIds.length).toBeGreaterThan(5);
  for (const runId of result.runIds.slice(0, 10)) {
    expect((await sessionWhen(t, runId, undefined, 20_000)).user_id).toBe(o.fuzzUser);
  }
  return { ...result, fuzzers, victim, victimRuns };
}
