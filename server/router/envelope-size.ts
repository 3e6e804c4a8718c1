/** What an inbound envelope weighs: its JSON's UTF-8 length, binary attachment bytes, payload depth. */
export interface EnvelopeMeasure {
  jsonBytes: number;
  binaryBytes: number;
  /** Nesting depth of `payload` (objects and arrays: the payload object itself is depth 1; 0 when absent or scalar). */
  payloadDepth: number;
}

function binaryLength(v: object): number | null {
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer) return v.byteLength;
  return null;
}

/**
 * Measures an envelope without recursion (a hostile 1 MiB frame may nest hundreds of thousands deep)
 * and without building its JSON. The byte count equals Buffer.byteLength(JSON.stringify(value)) for
 * the JSON values Socket.IO can deliver; binary attachments count by their own length.
 */
export function measureEnvelope(value: unknown): EnvelopeMeasure {
  let jsonBytes = 0;
  let binaryBytes = 0;
  let payloadDepth = 0;
  // Each stack entry: a value, its depth inside the payload (0 = outside), and whether it's the payload.
  const stack: { v: unknown; d: number }[] = [{ v: value, d: -1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || v === undefined) {
      jsonBytes += 4;
    } else if (typeof v === "string") {
      jsonBytes += Buffer.byteLength(JSON.stringify(v));
    } else if (typeof v === "number") {
      jsonBytes += Number.isFinite(v) ? String(v).length : 4;
    } else if (typeof v === "boolean") {
      jsonBytes += v ? 4 : 5;
    } else if (typeof v === "object") {
      const bin = binaryLength(v);
      if (bin !== null) {
        binaryBytes += bin;
        continue;
      }
      if (d > payloadDepth) payloadDepth = d;
      const childDepth = d >= 1 ? d + 1 : 0;
      if (Array.isArray(v)) {
        jsonBytes += 2 + Math.max(0, v.length - 1);
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], d: childDepth });
      } else {
        const keys = Object.keys(v);
        jsonBytes += 2 + Math.max(0, keys.length - 1);
        for (const k of keys) {
          jsonBytes += Buffer.byteLength(JSON.stringify(k)) + 1;
          // The envelope's own `payload` field starts the payload depth count at 1.
          const nextDepth = d === -1 && k === "payload" ? 1 : childDepth;
          stack.push({ v: (v as Record<string, unknown>)[k], d: nextDepth });
        }
      }
    } else {
      jsonBytes += 4;
    }
  }
  return { jsonBytes, binaryBytes, payloadDepth };
}
