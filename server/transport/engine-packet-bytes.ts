/**
 * The bytes of an engine.io packet's data: binary by its length, a string by its length in UTF-16 units,
 * or, when it may exceed `exactAbove` (a string of n units is at most 3n UTF-8 bytes), by its exact UTF-8
 * length. A packet without data counts 0. The outbound budget (engine-queued-bytes.ts) estimates queued
 * memory with it; the oversized-frame allowance (oversized-intake.ts) enforces MAX_MESSAGE_BYTES with it.
 */
export function packetDataBytes(data: unknown, exactAbove = Number.POSITIVE_INFINITY): number {
  if (typeof data === "string") return data.length * 3 > exactAbove ? Buffer.byteLength(data) : data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
