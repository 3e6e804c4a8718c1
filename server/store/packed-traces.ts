import type { TraceEvent, TraceKind } from "../../contract";

/** String columns per event, in this order, in `PackedTraces.refs`. */
const STRING_COLUMNS = 11;

/**
 * A batch of trace events as the writer thread receives it: columns instead of objects. Every distinct
 * string of the batch (a user id, a run id, a kind...) is in `text` once, and each event refers to it by
 * index; `refs` and `numbers` are typed arrays. Packing and posting this costs the router's thread
 * about a third of a structured clone of the events (scripts/bench/trace-handoff.ts): strings repeat
 * within a batch (a run's six to fourteen steps share their trace, run, thread, user and connection
 * ids), a typed array is copied in one piece, and one long string faster than a thousand short ones.
 * Rows are queued packed (trace-queue.ts), so the objects die young.
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
  const table = new StringTable();
  const ids = new Array<string>(count);
  const idLengths = new Int32Array(count);
  const refs = new Int32Array(count * STRING_COLUMNS);
  const numbers = new Float64Array(count * 2);
  let r = 0;
  for (let i = 0; i < count; i++) {
    const e = events[i]!;
    ids[i] = e.id;
    idLengths[i] = e.id.length;
    table.put(refs, r, e.trace_id);
    table.put(refs, r + 1, e.node_id);
    table.put(refs, r + 2, e.kind);
    table.put(refs, r + 3, e.user_id);
    table.put(refs, r + 4, e.connection_id);
    table.put(refs, r + 5, e.message_type);
    table.put(refs, r + 6, e.handler);
    table.put(refs, r + 7, e.run_id);
    table.put(refs, r + 8, e.thread_id);
    table.put(refs, r + 9, e.error?.code);
    table.put(refs, r + 10, e.error?.message);
    r += STRING_COLUMNS;
    numbers[i * 2] = e.ts;
    numbers[i * 2 + 1] = e.duration_ms ?? Number.NaN;
  }
  return { count, text: table.strings.join(""), lengths: Int32Array.from(table.lengths), ids: ids.join(""), idLengths, refs, numbers };
}

/** A batch's distinct strings, each with its index. */
class StringTable {
  readonly strings: string[] = [];
  readonly lengths: number[] = [];
  readonly #index = new Map<string, number>();

  /**
   * Writes the index of `value` at `refs[at]` (-1 when absent). `refs[at - STRING_COLUMNS]` is the same
   * column of the event before: consecutive events often share a value (a run's steps, one node id),
   * and comparing with it skips the map.
   */
  put(refs: Int32Array, at: number, value: string | undefined): void {
    if (value === undefined) {
      refs[at] = -1;
      return;
    }
    const before = at >= STRING_COLUMNS ? refs[at - STRING_COLUMNS]! : -1;
    if (before >= 0 && this.strings[before] === value) {
      refs[at] = before;
      return;
    }
    let index = this.#index.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.lengths.push(value.length);
      this.#index.set(value, index);
    }
    refs[at] = index;
  }
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
