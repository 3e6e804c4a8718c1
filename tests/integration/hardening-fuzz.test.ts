import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzSeed } from "../support/fuzz-envelopes";
import { runFuzzScenario } from "../support/fuzz-runner";
import { apiJson, eventually, startTestNode, type TestNode } from "../support/test-node";

/**
 * Hardening fuzz (issue 8): thousands of hostile envelopes over real connections, generated from a
 * seeded PRNG. The seed is printed; FUZZ_SEED=<seed> reproduces a run, FUZZ_CASES=<n> changes its
 * length, FUZZ_DEBUG=1 logs progress and slow acks.
 *
 * Wrong types, huge and 100k-level nested payloads (within the 1 MiB frame), own `__proto__` /
 * `constructor` / `prototype` keys, binary attachments, SQL/HTML/script-shaped strings, forged
 * user_id / thread_id / run_id (envelope and payload), every server-only type, JSON-RPC garbage,
 * non-object envelopes, messages without an ack callback, repeated message_ids. Every message with an
 * ack gets a contract ack (the exact code wherever the contract decides it); the server never crashes,
 * never closes the connection for it, keeps Object.prototype clean, and another user's runs started
 * before and during the fuzz all pass. Lone UTF-16 surrogates have their own file
 * (hardening-fuzz-surrogates.test.ts).
 */

const SEED = fuzzSeed();
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
console.log(
  `[hardening-fuzz] seed=${SEED} cases=${CASES} (reproduce: FUZZ_SEED=${SEED} npx vitest run tests/integration/hardening-fuzz.test.ts)`,
);

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1", RATE_LIMIT_PER_S: "1000000", RATE_LIMIT_BURST: "1000000" });
});
afterAll(() => t?.stop());

describe(`fuzz (seed ${SEED})`, () => {
  it(`${CASES} hostile envelopes: contract acks only, no crash, no closed connection, no pollution, the bystander's runs pass`, async () => {
    const result = await runFuzzScenario({
      t,
      seed: SEED,
      cases: CASES,
      loneSurrogates: false,
      label: "hardening-fuzz",
      fuzzUser: "fz-mallory",
      victimUser: "fz-victim",
    });

    // The node is healthy and its database still takes writes: the victim's sessions are stored (the list
    // reads the database), so nothing the fuzz sent cost another user their data.
    const health = await t.api("/api/health", { token: null });
    expect(health.status, await health.clone().text()).toBe(200);
    const stored = await eventually(
      async () => {
        const list = await apiJson<{ id: string; status: string }[]>(t, "/api/sessions?user_id=fz-victim&limit=1000");
        const byId = new Map(list.map((s) => [s.id, s.status]));
        return result.victimRuns.every((id) => byId.get(id) === "passed") ? byId : null;
      },
      10_000,
      "the victim's sessions stored as passed",
    );
    expect(stored.size).toBeGreaterThanOrEqual(result.victimRuns.length);
  }, 110_000);
});
