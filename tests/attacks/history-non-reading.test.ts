import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../contract";
import { expectBystanderUnharmed, sleep, underAttack, withAttackBench } from "./support/attack-harness";
import { connectUser, fillThread, paced } from "./support/attack-clients";
import { openRawSocketIo } from "./support/raw-socket-io";
import { SCALE } from "./support/scale";

const ATTACKER = "attacker-history-non-reader";

/**
 * Issue 16, attack 1: a connection that stops reading asks 40 times a second for the history of its
 * own thread of large messages (reduced: 200 x 32 KB; full: 1,000). Measured before: RSS +1.76 GiB
 * after 60 requests, then "JavaScript heap out of memory" after 28 s. Expected: the connection is cut
 * as SLOW_CONSUMER once its outgoing bytes pass their bound (traced), and the node survives. The
 * requests beyond the rate budget (history costs 5 messages) are refused, as for anyone.
 */
describe("attack 1: history requests from a connection that stops reading", () => {
  it("cuts the connection as SLOW_CONSUMER; the bystander's ping p99 stays under 100 ms, RSS bounded", async () => {
    await withAttackBench({}, async (bench) => {
      const filler = await connectUser(bench.node, ATTACKER);
      const threadId = await fillThread(filler, SCALE.historyMessages, SCALE.historyMessageChars);
      filler.close();
      const slow = await openRawSocketIo(bench.node.url);
      await slow.join("/", { token: bench.node.token(ATTACKER) });
      await sleep(200); // connection_established and nothing else is read
      slow.pause();

      const figures = await underAttack(bench, "1 history, non-reading client 40/s", { peakMiB: 128, afterMiB: 64 }, async (until) => {
        const sent = await paced(SCALE.nonReaderRequestsPerS, until, () => {
          slow.emitMessage({ type: "get_thread_history", thread_id: threadId, payload: { thread_id: threadId, limit: 1000 } });
        });
        slow.close();
        return { sent, thread_messages: SCALE.historyMessages * 2, message_chars: SCALE.historyMessageChars };
      });
      expectBystanderUnharmed(figures);
      const closed = await bench.node
        .api<TraceEvent[]>(`/api/traces?kind=connection_closed&user_id=${ATTACKER}&limit=10`)
        .catch(() => [] as TraceEvent[]);
      expect(
        closed.map((e) => e.error?.code ?? "closed without a code"),
        "the non-reading connection was cut as SLOW_CONSUMER",
      ).toContain("SLOW_CONSUMER");
    });
  });
});
