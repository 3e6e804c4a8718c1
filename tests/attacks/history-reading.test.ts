import { describe, it } from "vitest";
import { expectBystanderUnharmed, underAttack, withAttackBench } from "./support/attack-harness";
import { connectUser, fillThread, paced } from "./support/attack-clients";
import { SCALE } from "./support/scale";

/**
 * Issue 16, attack 2: a client that does read asks 10 times a second for the history of its own thread
 * of large messages (reduced: 200 x 32 KB; full: 1,000). Measured before: bystander p99 2.06 s, the
 * history read and serialised synchronously on the main thread. History costs 5 messages of the rate
 * budget, so 10/s is within it.
 */
describe("attack 2: history requests from a reading client", () => {
  it("the bystander's ping p99 stays under 100 ms, RSS bounded and back near baseline", async () => {
    await withAttackBench({}, async (bench) => {
      const attacker = await connectUser(bench.node, "attacker-history-reader");
      const threadId = await fillThread(attacker, SCALE.historyMessages, SCALE.historyMessageChars);
      let replies = 0;
      let refused = 0;
      attacker.socket.on("event", (e: { type: string }) => void (e.type === "thread_history" && replies++));
      const figures = await underAttack(bench, "2 history, reading client 10/s", { peakMiB: 256, afterMiB: 64 }, async (until) => {
        const sent = await paced(SCALE.readerRequestsPerS, until, () => {
          attacker.send({ type: "get_thread_history", thread_id: threadId, payload: { thread_id: threadId, limit: 1000 } }).then(
            (ack) => void (ack.ok === true || refused++),
            () => refused++,
          );
        });
        attacker.close();
        return { sent, replies, refused };
      });
      expectBystanderUnharmed(figures);
    });
  });
});
