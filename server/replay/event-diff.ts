import type { ComparableEvent, DiffEntry, FieldChange, ReplayDiff } from "../../contract";
import type { SessionEventRecord } from "../store/records";

const IGNORED = /(^|_)id$|^timestamp$|duration|_at$|_at_ms$/;

/** Drops ids, timestamps and durations at every depth. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) if (!IGNORED.test(key)) out[key] = strip((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function comparable(e: SessionEventRecord): ComparableEvent {
  const c: ComparableEvent = { type: e.type, at_ms: Math.round(e.emitted_at_ms), payload: strip(e.payload) as Record<string, unknown> };
  if (e.seq !== undefined) c.seq = e.seq;
  return c;
}

/**
 * Consecutive `agent_response_chunk` entries as one, whose value is their joined text: how deltas were
 * cut (and merged under load) is not a difference, the text is (PROTOCOL.md "Replay"). The seq of what
 * follows is counted as if each run of chunks were one event, so a different cut does not shift it.
 */
export function coalesceChunks(events: readonly ComparableEvent[]): ComparableEvent[] {
  const out: ComparableEvent[] = [];
  let absorbed = 0;
  for (const e of events) {
    const last = out.at(-1);
    if (e.type === "agent_response_chunk" && last?.type === "agent_response_chunk") {
      last.payload = { delta: `${String(last.payload.delta ?? "")}${String(e.payload.delta ?? "")}` };
      absorbed++;
      continue;
    }
    const c: ComparableEvent = e.type === "agent_response_chunk" ? { ...e, payload: { delta: String(e.payload.delta ?? "") } } : { ...e };
    if (c.seq !== undefined) c.seq -= absorbed;
    out.push(c);
  }
  return out;
}

/** Field-level differences between two payloads (dotted paths). */
export function payloadChanges(a: unknown, b: unknown, path = ""): FieldChange[] {
  if (a === b) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => payloadChanges(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [{ path: path || "(value)", recorded: a, replayed: b }];
}

/**
 * Aligns the recorded and replayed event sequences (longest common subsequence on event type), then
 * reports each aligned pair as same or changed (payload and seq compared, ids/timestamps/durations
 * not), recorded-only events as missing and replay-only events as extra, with timing deltas.
 */
export function diffEvents(recorded: readonly SessionEventRecord[], replayed: readonly SessionEventRecord[]): ReplayDiff {
  const a = coalesceChunks(recorded.map(comparable));
  const b = coalesceChunks(replayed.map(comparable));
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i]!.type === b[j]!.type ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const entries: DiffEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i]!.type === b[j]!.type) {
      const changes = payloadChanges({ seq: a[i]!.seq, ...a[i]!.payload }, { seq: b[j]!.seq, ...b[j]!.payload });
      const entry: DiffEntry = {
        status: changes.length ? "changed" : "same",
        type: a[i]!.type,
        recorded: a[i],
        replayed: b[j],
        timing_delta_ms: b[j]!.at_ms - a[i]!.at_ms,
      };
      if (changes.length) entry.changes = changes;
      entries.push(entry);
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      entries.push({ status: "extra", type: b[j]!.type, replayed: b[j] });
      j++;
    } else {
      entries.push({ status: "missing", type: a[i]!.type, recorded: a[i] });
      i++;
    }
  }
  const first = entries.findIndex((e) => e.status !== "same");
  return { first_divergence: first < 0 ? null : first, entries };
}
