import { describe, it } from "vitest";
import { expectBystanderUnharmed, sleep, underAttack, withAttackBench } from "./support/attack-harness";
import { openRawSocketIo, type RawSocketIo } from "./support/raw-socket-io";
import { SCALE } from "./support/scale";

/**
 * A Socket.IO binary event announcing `n` attachments (placeholders 0..n-1): the parser buffers the
 * binary frames that follow until all n have come.
 */
const binaryHeader = (n: number) =>
  `5${n}-["message",${Array.from({ length: n }, (_, num) => JSON.stringify({ _placeholder: true, num })).join(",")}]`;

/**
 * Issue 16, attack 4: engine.io sockets that never join a namespace (never authenticate), each sending a
 * binary event that announces 9 attachments and 8 attachments of 1 MB (the last never comes). Measured
 * before (400 sockets): RSS 901 -> 2,802 MiB, not given back after they left. Expected: at most one
 * attachment of at most MAX_MESSAGE_BYTES, nothing buffered for a socket that has not joined, and such
 * sockets dropped within the connect timeout (5 s).
 */
describe("attack 4: unauthenticated sockets sending binary attachments", () => {
  it("buffers nothing for them; the bystander's ping p99 stays under 100 ms, RSS bounded and back near baseline", async () => {
    await withAttackBench({}, async (bench) => {
      const attachment = Buffer.alloc(SCALE.attachmentBytes, 0x61);
      const figures = await underAttack(
        bench,
        `4 unauthenticated attachments x${SCALE.unauthenticatedSockets}`,
        { peakMiB: 128, afterMiB: 64 },
        async (until) => {
          const sockets: RawSocketIo[] = [];
          let refused = 0;
          await Promise.all(
            Array.from({ length: SCALE.unauthenticatedSockets }, async () => {
              const s = await openRawSocketIo(bench.node.url).catch(() => null);
              if (!s) return void refused++;
              sockets.push(s);
              s.sendPacket(binaryHeader(SCALE.attachmentsAnnounced));
              for (let i = 0; i < SCALE.attachmentsSent; i++) s.sendBinary(attachment);
            }),
          );
          const sentAll = Date.now();
          await sleep(Math.max(0, until - Date.now()));
          const cut = sockets.filter((s) => s.isClosed()).length;
          const unsent = sockets.reduce((sum, s) => sum + s.bufferedAmount(), 0);
          for (const s of sockets) s.close();
          return {
            sockets: sockets.length,
            refused_at_upgrade: refused,
            cut_by_server: cut,
            mib_offered: Math.round((sockets.length * SCALE.attachmentsSent * SCALE.attachmentBytes) / 2 ** 20),
            mib_unsent_at_end: Math.round(unsent / 2 ** 20),
            opened_and_sent_in_ms: sentAll - (until - SCALE.attackMs),
          };
        },
      );
      expectBystanderUnharmed(figures);
    });
  });
});
