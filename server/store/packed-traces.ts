import type { TraceEvent, TraceKind } from "../../contract";

/** String columns per event, in this order, in `PackedTraces.refs`. */
const STRING_COLUMNS = 11;

/**
 * A batch of trace events as the writer thread receives it: columns instead of objects. Every distinct
 * string of the batch (a user id, a run id, a kind...) is in `text` once, and each event refers to it by
 * index; `refs` and `numbers` are typed arrays, moved to the thread, not copied. Posting this costs
 * the router's thread about a fifth of a structured clone of the events (0.25-0.3 µs per event against
 * 1.2-1.6 µs, scripts/bench/trace-handoff.ts): strings repeat within a batch (a run's six to fourteen
 * steps share their trace, run, thread, user and connection ids), and one long string is copied
 * faster than a thousand short ones.
 */
export interface PackedTraces {
  count: number;
  /** The batch's distinct strings, concatenated; `lengths` cuts it (UTF-16 units, so any string survives). */
  text: string;
  lengths: Int32Array;
  /** The events' ids (each one distinct), concatenated; cut by `idLengths`. */
  ids: string;
  idLengths: Int32Array;
  /** Per event, STRING_COLUMNS indexes into the string table; -1 for a field that is absent. */
  refs: Int32Array;
  /** Per event: ts, then duration_ms (NaN when absent). */
  numbers: Float64Array;
}

/** Packs events for the writer thread (see PackedTraces). */
export function packTraces(events: readonly TraceEvent[]): PackedTraces {
  const count = events.length;
  const index = new Map<string, number>();
  const strings: string[] = [];
  const lengths: number[] = [];
  const intern = (value: string | undefined): number => {
    if (value === undefined) return -1;
    let at = index.get(value);
    if (at === undefined) {
      at = strings.length;
      strings.push(value);
      lengths.push(value.length);
      index.set(value, at);
    }
    return at;
  };
  const ids = new Array<string>(count);
  const idLengths = new Int32Array(count);
  const refs = new Int32Array(count * STRING_COLUMNS);
  const numbers = new Float64Array(count * 2);
  let r = 0;
  for (let i = 0; i < count; i++) {
    const e = events[i]!;
    ids[i] = e.id;
    idLengths[i] = e.id.length;
    refs[r++] = intern(e.trace_id);
    refs[r++] = intern(e.node_id);
    refs[r++] = intern(e.kind);
    refs[r++] = intern(e.user_id);
    refs[r++] = intern(e.connection_id);
    refs[r++] = intern(e.message_type);
    refs[r++] = intern(e.handler);
    refs[r++] = intern(e.run_id);
    refs[r++] = intern(e.thread_id);
    refs[r++] = intern(e.error?.code);
    refs[r++] = intern(e.error?.message);
    numbers[i * 2] = e.ts;
    numbers[i * 2 + 1] = e.duration_ms ?? Number.NaN;
  }
  return { count, text: strings.join(""), lengths: Int32Array.from(lengths), ids: ids.join(""), idLengths, refs, numbers };
}

/** The buffers a post may move to the other thread instead of copying them. */
export function packedBuffers(packed: PackedTraces): ArrayBuffer[] {
  return [packed.lengths.buffer, packed.idLengths.buffer, packed.refs.buffer, packed.numbers.buffer] as ArrayBuffer[];
}

/** The events again, field for field (an absent field stays absent). */
export function unpackTraces(packed: PackedTraces): TraceEvent[] {
  const table = cut(packed.text, packed.lengths);
  const ids = cut(packed.ids, packed.idLengths);
  const { refs, numbers } = packed;
  const at = (k: number): string | undefined => (refs[k]! < 0 ? undefined : table[refs[k]!]);
  const events = new Array<TraceEvent>(packed.count);
  for (let i = 0; i < packed.count; i++) {
    const r = i * STRING_COLUMNS;
    const duration = numbers[i * 2 + 1]!;
    const code = at(r + 9);
    events[i] = {
      id: ids[i]!,
      trace_id: at(r)!,
      ts: numbers[i * 2]!,
      node_id: at(r + 1)!,
      kind: at(r + 2) as TraceKind,
      user_id: at(r + 3),
      connection_id: at(r + 4),
      message_type: at(r + 5),
      handler: at(r + 6),
      run_id: at(r + 7),
      thread_id: at(r + 8),
      duration_ms: Number.isNaN(duration) ? undefined : duration,
      error: code === undefined ? undefined : { code, message: at(r + 10) ?? "" },
    };
  }
  return events;
}

function cut(text: string, lengths: Int32Array): string[] {
  const out = new Array<string>(lengths.length);
  let from = 0;
  for (let i = 0; i < lengths.length; i++) {
    out[i] = text.slice(from, from + lengths[i]!);
    from += lengths[i]!;
  }
  return out;
}
