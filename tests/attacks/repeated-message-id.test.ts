import { describe, expect, it } from "vitest";
import type { StatsSnapshot } from "../../contract";
import { expectBystanderUnharmed, sleep, underAttack, withAttackBench } from "./support/attack-harness";
import { openRawSocketIo } from "./support/raw-socket-io";

const ATTACKER = "attacker-repeat";
/** Frames queued on the attacker's socket before it waits for the kernel to take them. */
const MAX_BUFFERED = 256 * 1024;
/**
 * Trace rows (written or dropped) one attacker may cost per second of attack: what a user at its own
 * rate budget (200 messages/s across connections) costs anyway. Before the fix: 34,000 rows/s.
 */
const TRACE_ROWS_PER_S = 2_000;

/**
 * Issue 16, attack 3: the same message_id in a tight loop. Measured before: 47,700 acks/s against a limit
 * of 50 (the duplicate cache answered before the rate limiter), 34,000 trace rows/s. Expected: the rate
 * limiter answers first (RATE_LIMITED), at most the budget is answered ok, and a repeat writes no trace row.
 */
describe("attack 3: one message_id repeated in a tight loop", () => {
  it("is throttled to the rate budget without a trace flood; the bystander's ping p99 stays under 100 ms", async () => {
    await withAttackBench({}, async (bench) => {
      const attacker = await openRawSocketIo(bench.node.url);
      await attacker.join("/", { token: bench.node.token(ATTACKER) });
      const codes: Record<string, number> = {};
      let lastAckAt = 0;
      attacker.onAck = (_id, ack) => {
        const a = ack as { ok: boolean; error?: { code: string } };
        const code = a.ok ? "ok" : (a.error?.code ?? "?");
        codes[code] = (codes[code] ?? 0) + 1;
        lastAckAt = Date.now();
      };
      const envelope = JSON.stringify({ type: "user_message", message_id: "the-same-id", payload: { content: "what is 2 + 2?" } });
      const before = await bench.node.api<StatsSnapshot>("/api/stats");
      let attackSeconds = 0;
      let answeredSeconds = 0;
      const figures = await underAttack(bench, "3 repeated message_id, tight loop", { peakMiB: 128, afterMiB: 64 }, async (until) => {
        const start = Date.now();
        let sent = 0;
        while (Date.now() < until) {
          while (attacker.bufferedAmount() < MAX_BUFFERED && Date.now() < until) {
            attacker.emitMessage(envelope);
            sent++;
          }
          await new Promise((r) => setImmediate(r));
        }
        attackSeconds = (Date.now() - start) / 1000;
        await sleep(500); // the last acks
        // Frames the node had read before the attack ended are still answered (one per turn): the
        // budget refills until the last answer, so that is the window the ok acks are held to.
        answeredSeconds = (Math.max(lastAckAt, start) - start) / 1000;
        attacker.close();
        return { sent, acks: { ...codes }, acks_per_s: Math.round(Object.values(codes).reduce((a, b) => a + b, 0) / attackSeconds) };
      });
      await sleep(1_500); // the last trace batch reaches the database
      const after = await bench.node.api<StatsSnapshot>("/api/stats");
      const rows = after.traces_persisted - before.traces_persisted + (after.trace_drops - before.trace_drops);
      console.log(`[attack] 3: ${rows} trace rows written or dropped (${Math.round(rows / attackSeconds)}/s)`);
      expectBystanderUnharmed(figures);
      // One connection's budget (server/router/rate-limit.ts): 50 in each 1 s window (a window opens at
      // least 1 s after the last) plus a reserve of 50 (burst 100 - 50) refilled every 10 s.
      const window = Math.max(attackSeconds, answeredSeconds);
      const allowed = 50 * (Math.floor(window) + 1) + 50 * (Math.floor(window / 10) + 1);
      expect.soft(codes.ok ?? 0, "ok acks at most the connection's budget").toBeLessThanOrEqual(allowed);
      expect.soft(codes.RATE_LIMITED ?? 0, "the flood is refused RATE_LIMITED").toBeGreaterThan(allowed);
      expect.soft(rows / attackSeconds, "trace rows (written + dropped) per second of attack").toBeLessThanOrEqual(TRACE_ROWS_PER_S);
    });
  });
});
