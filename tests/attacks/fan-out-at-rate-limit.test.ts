import { describe, expect, it } from "vitest";
import { expectBystanderUnharmed, sleep, underAttack, withAttackBench } from "./support/attack-harness";
import { connectUser, paced } from "./support/attack-clients";
import { SCALE } from "./support/scale";
import { tmpdir } from "node:os";
import { loadConfig } from "../../server/env";
import { testNodeEnv } from "../support/test-node";

const ATTACKER = "attacker-fan-out";

/**
 * Issue 16, attack 7: one user with 10 connections (MAX_CONNECTIONS_PER_USER), each sending golden-path
 * runs at the per-connection rate limit (50/s), every run's events sent to all 10 connections. Measured
 * before: bystander p99 1.39 s. Expected: the per-user budget (4x the per-connection one) refuses the
 * excess RATE_LIMITED, and the runs it lets through do not delay anyone else.
 */
/**
 * What the node keeps after this attack by design: connection-state recovery holds the packets of the
 * last RECOVERY_WINDOW_MS, up to RECOVERY_MAX_BYTES (32 MiB by default), and this attack's runs fill it
 * (about 60,000 events at full scale). The bound after the attack is the other attacks' 64 MiB plus it.
 */
const RECOVERY_BUFFER_MIB = loadConfig(testNodeEnv(tmpdir())).RECOVERY_MAX_BYTES / 2 ** 20;

describe("attack 7: one user with 10 connections at the rate limit, runs fanned out to all of them", () => {
  it("is held to the user's budget; the bystander's ping p99 stays under 100 ms, RSS bounded", async () => {
    await withAttackBench({}, async (bench) => {
      const connections = await Promise.all(Array.from({ length: SCALE.fanOutConnections }, () => connectUser(bench.node, ATTACKER)));
      const codes: Record<string, number> = {};
      let events = 0;
      for (const c of connections) c.socket.on("event", () => void events++);
      const figures = await underAttack(
        bench,
        `7 fan-out, ${SCALE.fanOutConnections} connections at the rate limit`,
        { peakMiB: 128, afterMiB: 64 + RECOVERY_BUFFER_MIB },
        async (until) => {
          const sent = await Promise.all(
            connections.map((c, k) =>
              paced(SCALE.fanOutRunsPerS, until, (i) => {
                c.send({ type: "user_message", payload: { content: `what is ${k} + ${i}?` } }).then(
                  (ack) => {
                    const code = ack.ok === true ? "ok" : ((ack.error as { code?: string } | undefined)?.code ?? "?");
                    codes[code] = (codes[code] ?? 0) + 1;
                  },
                  () => (codes.timeout = (codes.timeout ?? 0) + 1),
                );
              }),
            ),
          );
          const total = sent.reduce((a, b) => a + b, 0);
          const acked = () => Object.values(codes).reduce((a, b) => a + b, 0);
          for (const deadline = Date.now() + 10_000; acked() < total && Date.now() < deadline;) await sleep(100);
          for (const c of connections) c.close();
          return { sent: total, acks: { ...codes }, events_received: events };
        },
      );
      expectBystanderUnharmed(figures);
      expect.soft(codes.ok ?? 0, "runs were accepted").toBeGreaterThan(0);
      expect.soft(codes.RATE_LIMITED ?? 0, "the user's excess is refused RATE_LIMITED").toBeGreaterThan(0);
    });
  });
});
