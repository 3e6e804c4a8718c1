import type { ManagerOptions, SocketOptions } from "socket.io-client";
import { expect } from "vitest";
import { apiJson, eventually, handshakeOutcome, runToEnd, sleep, type TestClient, type TestNode } from "./test-node";

import { craftJwt } from "./jwt";

export { craftJwt };

/** Helpers of the hardening suites (tests/integration/hardening-*.test.ts): hand-made JWTs and raw handshakes. */

export const nowS = () => Math.floor(Date.now() / 1000);

/** Hand-made tokens every surface must refuse (401 / UNAUTHORIZED), by label. */
export function badTokens(): [string, string][] {
  const hs = { alg: "HS256", typ: "JWT" };
  const op = { sub: "mallory", role: "operator", exp: nowS() + 3600 };
  return [
    ["a forged signature (another secret)", craftJwt(hs, op, { secret: "another-secret-0123456789abcdef" })],
    ["a signature of another token", `${craftJwt(hs, op).split(".").slice(0, 2).join(".")}.${craftJwt(hs, { sub: "x" }).split(".")[2]}`],
    ["alg none, empty signature", craftJwt({ alg: "none", typ: "JWT" }, op, { signature: "" })],
    ["alg none, no third part", craftJwt({ alg: "none" }, op, { signature: "" }).slice(0, -1)],
    ["alg NONE (case)", craftJwt({ alg: "NONE" }, op, { signature: "" })],
    ["alg none with the right HMAC", craftJwt({ alg: "none" }, op)],
    ["alg HS512 header on an HS256 signature", craftJwt({ alg: "HS512" }, op)],
    ["no alg", craftJwt({ typ: "JWT" }, op)],
    ["expired", craftJwt(hs, { ...op, iat: nowS() - 7200, exp: nowS() - 60 })],
    ["exp as a string", craftJwt(hs, { ...op, exp: String(nowS() + 3600) })],
    ["not valid before an hour from now", craftJwt(hs, { ...op, nbf: nowS() + 3600 })],
    ["an unknown critical header", craftJwt({ ...hs, crit: ["x-must-understand"], "x-must-understand": 1 }, op)],
    ["no sub", craftJwt(hs, { role: "operator", exp: nowS() + 3600 })],
    ["an empty sub", craftJwt(hs, { ...op, sub: "" })],
    ["a numeric sub", craftJwt(hs, { ...op, sub: 12345 })],
    ["a sub with a slash", craftJwt(hs, { ...op, sub: "ops/../admin" })],
    ["a sub with spaces", craftJwt(hs, { ...op, sub: "ops admin" })],
    ["a sub of 129 characters", craftJwt(hs, { ...op, sub: "o".repeat(129) })],
    ["a sub with a NUL", craftJwt(hs, { ...op, sub: "ops\u0000" })],
    ["role Operator (case)", craftJwt(hs, { ...op, role: "Operator" })],
    ["role admin", craftJwt(hs, { ...op, role: "admin" })],
    ["role as an array", craftJwt(hs, { ...op, role: ["operator"] })],
    ["role as an object", craftJwt(hs, { ...op, role: { name: "operator" } })],
    ["role true", craftJwt(hs, { ...op, role: true })],
    ["claims that are not an object", craftJwt(hs, ["operator"])],
    ["a token of two parts", craftJwt(hs, op).split(".").slice(0, 2).join(".")],
    ["a token of four parts", `${craftJwt(hs, op)}.extra`],
    ["garbage", "not-a-jwt"],
  ];
}

/** tryHandshake of test-node.ts with a 5 s connect timeout, for handshakes meant to hang or fail. */
export function tryHandshake(url: string, opts: Partial<ManagerOptions & SocketOptions>, nsp = "/"): Promise<string> {
  return handshakeOutcome(url, { timeout: 5000, ...opts }, nsp);
}

/**
 * While `victimUser` completes `runs` runs, `poisonerUser` sends the `poison` envelopes round robin every
 * few milliseconds, so that every write-behind batch of the node holds some of them. Returns the runs.
 */
export async function poisonDuringRuns(
  t: TestNode,
  poison: Record<string, unknown>[],
  opts: { poisonerUser?: string; victimUser?: string; runs?: number } = {},
): Promise<{ victim: TestClient; runIds: string[] }> {
  const [poisoner, victim] = await Promise.all([
    t.connect(opts.poisonerUser ?? "sur-poisoner"),
    t.connect(opts.victimUser ?? "sur-victim"),
  ]);
  let done = false;
  const flood = (async () => {
    for (let i = 0; !done; i++) {
      await poisoner.send(poison[i % poison.length]);
      await sleep(5);
    }
  })();
  const runIds: string[] = [];
  try {
    for (let i = 0; i < (opts.runs ?? 3); i++) {
      const { runId } = await runToEnd(victim, { type: "user_message", payload: { content: `what is ${i} + 5?` } });
      runIds.push(runId);
      await sleep(120);
    }
  } finally {
    done = true;
    await flood;
  }
  return { victim, runIds };
}

/** A user's sessions as the database lists them (GET /api/sessions reads the database), id -> status. */
export async function storedSessions(t: TestNode, userId: string): Promise<Map<string, string>> {
  const res = await t.api(`/api/sessions?user_id=${encodeURIComponent(userId)}&limit=1000`);
  return new Map(((await res.json()) as { id: string; status: string }[]).map((s) => [s.id, s.status]));
}

/**
 * What a poisoned flood must not cost its victim: every run stored as passed (in the database, not
 * memory), each with its delivered traces, and /api/health still 200.
 */
export async function expectVictimStored(t: TestNode, victimUser: string, runIds: string[]): Promise<void> {
  await eventually(
    async () => {
      const s = await storedSessions(t, victimUser);
      return runIds.every((id) => s.get(id) === "passed");
    },
    4000,
    "the victim's sessions in the database",
  );
  // Trace rows may trail the session rows by one flush (docs/reliability.md): each run's are waited for.
  for (const runId of runIds) {
    const count = async () => (await apiJson<{ kind: string }[]>(t, `/api/traces?run_id=${runId}&kind=delivered`)).length;
    await eventually(async () => (await count()) >= 5 || null, 4000, `delivered traces of ${runId}`);
  }
  expect((await t.api("/api/health", { token: null })).status).toBe(200);
}
