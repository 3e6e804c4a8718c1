import { describe, expect, it } from "vitest";
import { expectBystanderUnharmed, underAttack, withAttackBench } from "./support/attack-harness";
import { openRawSocketIo, type RawSocketIo } from "./support/raw-socket-io";
import { SCALE } from "./support/scale";

const ATTACKER = "attacker-frames";
/** Frames each attacking connection keeps in flight (sent, not yet acked). */
const IN_FLIGHT = 2;
const FRAME_LIMIT = 1 << 20;

/** The two hostile envelopes, as JSON text just under 1 MiB once framed: deeply nested, and a long array. */
function hostileEnvelopes(): string[] {
  const nested = `{"type":"user_message","payload":{"content":"x","deep":${"[".repeat(SCALE.nestingDepth)}${"]".repeat(SCALE.nestingDepth)}}}`;
  const array = `{"type":"user_message","payload":{"content":"x","list":[${"0,".repeat(SCALE.arrayElements - 1)}0]}}`;
  for (const e of [nested, array]) if (e.length + 32 >= FRAME_LIMIT) throw new Error(`a frame of ${e.length} bytes is not under 1 MiB`);
  return [nested, array];
}

/**
 * Sends the hostile envelopes round robin on each connection, IN_FLIGHT at a time, until `until`; counts
 * the acks by code and the connections the server closed.
 */
async function flood(connections: RawSocketIo[], until: number) {
  const envelopes = hostileEnvelopes();
  const codes: Record<string, number> = {};
  let sent = 0;
  await Promise.all(
    connections.map(
      (c) =>
        new Promise<void>((resolve) => {
          const next = () => {
            if (Date.now() >= until || c.isClosed()) return resolve();
            c.emitMessage(envelopes[sent++ % envelopes.length]);
          };
          c.onAck = (_id, ack) => {
            const a = ack as { ok: boolean; error?: { code: string } };
            const code = a.ok ? "ok" : (a.error?.code ?? "?");
            codes[code] = (codes[code] ?? 0) + 1;
            next();
          };
          void c.closed.then(() => resolve());
          for (let i = 0; i < IN_FLIGHT; i++) next();
          setTimeout(resolve, Math.max(0, until - Date.now()) + 5_000).unref(); // acks that never come
        }),
    ),
  );
  const cut = connections.filter((c) => c.isClosed()).length;
  for (const c of connections) c.close();
  return { connections: connections.length, sent, acks: codes, cut_by_server: cut };
}

/**
 * Issue 16, attack 6: frames just under 1 MiB, a payload nested 450,000 deep or an array of 480,000
 * elements, parsed and walked before the 64 KiB limit refused them. Measured before: bystander p99 1.2 s
 * (1 connection), 5.3 s (10 connections). Expected: refused by raw length before JSON.parse, each with
 * its ack (PAYLOAD_TOO_LARGE, or RATE_LIMITED past the budget), and the connection stays (PROTOCOL.md).
 */
describe("attack 6: frames just under 1 MiB, deeply nested or long arrays", () => {
  for (const n of [1, 10]) {
    it(`from ${n} connection(s): each refused with its ack, the connection kept; the bystander's ping p99 stays under 100 ms`, async () => {
      await withAttackBench({}, async (bench) => {
        const connections = await Promise.all(
          Array.from({ length: n }, async () => {
            const c = await openRawSocketIo(bench.node.url);
            await c.join("/", { token: bench.node.token(ATTACKER) });
            return c;
          }),
        );
        const figures = await underAttack(bench, `6 hostile frames, ${n} connection(s)`, { peakMiB: 128, afterMiB: 64 }, (until) =>
          flood(connections, until),
        );
        expectBystanderUnharmed(figures);
        const acks = figures.detail.acks as Record<string, number>;
        expect.soft(acks.ok ?? 0, "no hostile frame is accepted").toBe(0);
        expect.soft(acks.PAYLOAD_TOO_LARGE ?? 0, "hostile frames are refused PAYLOAD_TOO_LARGE").toBeGreaterThan(0);
        expect.soft(figures.detail.cut_by_server, "a frame under 1 MiB does not close the connection").toBe(0);
      });
    });
  }
});
