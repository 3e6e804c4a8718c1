import { randomBytes } from "node:crypto";

let last = 0;
/** Random bits drawn once per process: a call to `randomBytes` per message was 1.3% of a golden run's CPU. */
const PROCESS_BITS = randomBytes(6).toString("hex");

/**
 * A message id that sorts after every id this process made before: a strictly increasing number
 * (milliseconds x 1024, plus one when two ids share a millisecond) in fixed-width base 36, then 48 random
 * bits of this process, so that nodes of a cluster (and a node and its restart) never collide. History pages order messages by (created_at, id), so
 * messages stored in the same millisecond keep the order they were stored in.
 */
export function newMessageId(now = Date.now()): string {
  last = Math.max(last + 1, now * 1024);
  return `msg_${last.toString(36).padStart(11, "0")}${PROCESS_BITS}`;
}
