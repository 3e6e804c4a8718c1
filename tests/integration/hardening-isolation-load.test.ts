import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiJson, eventually, GOLDEN_PATH, isTerminal, startTestNode, type TestClient, type TestNode } from "../support/test-node";

/**
 * Isolation under load (issue 8; PROTOCOL.md "Who receives what"): 1,000 users on one node, every
 * tenth with three connections and every tenth-plus-one with two (1,300 sockets, connected in
 * batches), every connection starting a run at once, with an operator broadcast among them. Every event a
 * connection receives carries its own user's id (null only for the broadcast), every connection of a
 * user gets all of that user's run events, every run passes, and isolation_violations stays 0.
 */

const USERS = Number(process.env.LOAD_USERS ?? 1000);
const BATCH = 100;
const connectionsOf = (i: number) => (i % 10 === 0 ? 3 : i % 10 === 1 ? 2 : 1);
const userId = (i: number) => `load-${String(i).padStart(4, "0")}`;

let t: TestNode;
const clients = new Map<string, TestClient[]>();

beforeAll(async () => {
  t = await startTestNode({ MAX_CONNECTIONS_PER_ADDRESS: "0" }); // 1,300 sockets from 127.0.0.1: past the default per-address cap
  const started = Date.now();
  for (let from = 0; from < USERS; from += BATCH) {
    const batch: Promise<void>[] = [];
    for (let i = from; i < Math.min(USERS, from + BATCH); i++) {
      const id = userId(i);
      batch.push(
        Promise.all(Array.from({ length: connectionsOf(i) }, () => t.connect(id))).then((cs) => {
          clients.set(id, cs);
        }),
      );
    }
    await Promise.all(batch);
  }
  console.log(
    `[hardening-isolation-load] ${USERS} users, ${[...clients.values()].flat().length} sockets connected in ${Date.now() - started} ms`,
  );
}, 120_000);
afterAll(async () => {
  for (const cs of clients.values()) for (const c of cs) c.close();
  await t?.stop();
});

interface Stats {
  connections: number;
  users: number;
  isolation_violations: number;
}
interface SessionRow {
  id: string;
  user_id: string;
  status: string;
  verdict: { reasons: string[] };
}

/** Every session of the node (all pages of GET /api/sessions). */
async function allSessions(): Promise<SessionRow[]> {
  const out: SessionRow[] = [];
  let before: string | null = null;
  for (;;) {
    const res = await t.api(`/api/sessions?limit=1000${before ? `&before=${encodeURIComponent(before)}` : ""}`);
    expect(res.status).toBe(200);
    out.push(...((await res.json()) as SessionRow[]));
    before = res.headers.get("x-next-cursor");
    if (!before) return out;
  }
}

describe(`${USERS} users at once`, () => {
  it("every connection is its user's, as the server sees it", async () => {
    const total = [...clients.values()].flat().length;
    expect(total).toBe(Array.from({ length: USERS }, (_, i) => connectionsOf(i)).reduce((a, b) => a + b, 0));
    const stats = await apiJson<Stats>(t, "/api/stats");
    expect(stats).toMatchObject({ connections: total, users: USERS, isolation_violations: 0 });
    for (const [id, cs] of clients) {
      for (const c of cs) {
        const established = c.events.find((e) => e.type === "connection_established")!;
        expect(established.payload).toMatchObject({ user_id: id, connection_id: c.connectionId });
        expect(established.user_id).toBe(id);
      }
    }
  });

  it("concurrent runs (one per connection) reach every connection of their user and no one else; all pass", async () => {
    const runsOf = new Map<string, string[]>();
    const started = Date.now();
    const start = async (id: string, c: TestClient, content: string) => {
      const ack = await c.send({ type: "user_message", payload: { content } });
      expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, run_id: expect.any(String), thread_id: expect.any(String) });
      runsOf.set(id, [...(runsOf.get(id) ?? []), ack.run_id as string]);
    };
    const op = await t.connect("load-operator", { role: "operator" });
    // Every connection starts a run, all at once: each user runs one per connection, concurrently.
    const starting = Promise.all(
      [...clients].flatMap(([id, cs], i) =>
        cs.map((c, k) => start(id, c, k === 0 ? `what is ${i} * 3?` : `what is ${i} + ${k}? tell me about routing`)),
      ),
    );
    // An operator broadcast while they run.
    expect(await op.send({ type: "broadcast", payload: { content: "load test broadcast", priority: 100 } })).toMatchObject({ ok: true });
    await starting;

    // Every connection of a user gets the end of every run of that user.
    await eventually(
      () => [...clients].every(([id, cs]) => cs.every((c) => runsOf.get(id)!.every((runId) => c.events.some(isTerminal(runId))))),
      60_000,
      "every run's last event on every connection of its user",
    );
    console.log(
      `[hardening-isolation-load] ${[...runsOf.values()].flat().length} runs finished on every connection in ${Date.now() - started} ms`,
    );

    const violations: string[] = [];
    for (const [id, cs] of clients) {
      const mine = new Set(runsOf.get(id));
      for (const c of cs) {
        for (const e of c.events) {
          if (e.user_id === null) {
            if (e.type !== "system_message") violations.push(`${id}: a ${e.type} with user_id null`);
          } else if (e.user_id !== id) violations.push(`${id}/${c.connectionId}: ${e.type} of ${e.user_id}`);
          if (e.run_id && !mine.has(e.run_id)) violations.push(`${id}: event of run ${e.run_id} (not its own)`);
        }
        // The broadcast reached every connection, as a broadcast.
        const b = c.events.filter((e) => e.type === "system_message" && e.payload.content === "load test broadcast");
        if (b.length !== 1 || b[0]!.user_id !== null) violations.push(`${id}/${c.connectionId}: broadcast seen ${b.length} times`);
        // The golden path of each of its user's runs, in order, complete, on this connection.
        for (const runId of mine) {
          const evs = c.events.filter((e) => e.run_id === runId && e.seq !== undefined);
          const kinds = [...new Set(evs.map((e) => e.type))];
          if (kinds.join() !== GOLDEN_PATH.join()) violations.push(`${id}/${c.connectionId}: run ${runId} kinds ${kinds.join(",")}`);
          if (evs.some((e, k) => e.seq !== k + 1))
            violations.push(`${id}/${c.connectionId}: run ${runId} seq ${evs.map((e) => e.seq).join(",")}`);
        }
      }
      // Every connection of a user saw the same run events, in the same order.
      const seqs = cs.map((c) =>
        c.events
          .filter((e) => e.run_id && mine.has(e.run_id))
          .map((e) => e.message_id)
          .join(),
      );
      if (new Set(seqs).size !== 1) violations.push(`${id}: its connections saw different run events`);
    }
    expect(violations.slice(0, 20), `${violations.length} isolation or delivery problem(s)`).toEqual([]);

    // Every run passed (sessions API), and the node counted no isolation violation.
    const expected = new Map([...runsOf].flatMap(([id, runs]) => runs.map((r) => [r, id] as const)));
    const sessions = await eventually(
      async () => {
        const list = await allSessions();
        const ours = list.filter((s) => expected.has(s.id));
        return ours.length === expected.size && ours.every((s) => s.status !== "running") ? ours : null;
      },
      30_000,
      "every session final",
    );
    const notPassed = sessions.filter((s) => s.status !== "passed" || s.user_id !== expected.get(s.id));
    expect(notPassed.slice(0, 10).map((s) => `${s.id} ${s.user_id} ${s.status} ${s.verdict.reasons.join(",")}`)).toEqual([]);
    expect(sessions.length).toBe(expected.size);
    expect((await apiJson<Stats>(t, "/api/stats")).isolation_violations).toBe(0);
    const users = await apiJson<{ user_id: string; isolation_violations: number }[]>(t, "/api/users?limit=1000");
    expect(users.filter((u) => u.isolation_violations !== 0)).toEqual([]);
    op.close();
  }, 120_000);
});
