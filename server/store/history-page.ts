import type { MessageRecord } from "./records";

/** Where a history page ends: the oldest message it holds. Messages are ordered by (createdAt, id). */
export interface HistoryCursor {
  createdAt: number;
  id: string;
}

/** A page of a thread's history, oldest first, and the cursor of the page before it (null: none older). */
export interface HistoryPage {
  messages: MessageRecord[];
  nextBefore: string | null;
}

/** Reads up to `limit` messages strictly older than `before` (all when absent): the newest of them, oldest first. */
export type HistoryFetch = (limit: number, before: HistoryCursor | undefined) => Promise<MessageRecord[]>;

/** The bytes a message counts for against the page cap: its content plus its fields' share of the JSON. */
const MESSAGE_OVERHEAD_BYTES = 160;
/** Messages read per slice: a page of big messages stops reading once its byte cap is reached. */
const SLICE = 100;

export function formatHistoryCursor(m: Pick<MessageRecord, "createdAt" | "id">): string {
  return `${m.createdAt}_${m.id}`;
}

/** Null for anything that is not a cursor this server handed out. */
export function parseHistoryCursor(raw: string): HistoryCursor | null {
  const match = /^(\d{1,15})_([A-Za-z0-9_.:-]{1,128})$/.exec(raw);
  return match ? { createdAt: Number(match[1]), id: match[2] as string } : null;
}

/** Whether `m` comes strictly before the cursor in (createdAt, id) order. */
export function isBefore(m: Pick<MessageRecord, "createdAt" | "id">, cursor: HistoryCursor): boolean {
  return m.createdAt < cursor.createdAt || (m.createdAt === cursor.createdAt && m.id < cursor.id);
}

/** (createdAt, id) order, the order pages and cursors follow. */
export function byHistoryOrder(a: MessageRecord, b: MessageRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The newest `limit` messages before `before`, cut further so that the page stays within `maxBytes`
 * (one message is always included, so a page always moves on). Reads in slices from newest to oldest.
 */
export async function readHistoryPage(
  fetch: HistoryFetch,
  limit: number,
  before: HistoryCursor | undefined,
  maxBytes: number,
): Promise<HistoryPage> {
  const newestFirst: MessageRecord[] = [];
  let bytes = 0;
  let cursor = before;
  let more = false;
  while (newestFirst.length < limit) {
    const want = limit - newestFirst.length;
    const slice = await fetch(Math.min(want, SLICE) + 1, cursor);
    let taken = 0;
    for (let i = slice.length - 1; i >= 0 && taken < Math.min(want, SLICE); i--) {
      const m = slice[i] as MessageRecord;
      const size = m.content.length + MESSAGE_OVERHEAD_BYTES;
      if (newestFirst.length > 0 && bytes + size > maxBytes) return page(newestFirst, true);
      newestFirst.push(m);
      bytes += size;
      taken++;
    }
    more = slice.length > taken;
    const oldest = newestFirst.at(-1);
    if (!more || !oldest) break;
    cursor = { createdAt: oldest.createdAt, id: oldest.id };
  }
  return page(newestFirst, more);
}

function page(newestFirst: MessageRecord[], more: boolean): HistoryPage {
  const messages = newestFirst.reverse();
  const oldest = messages[0];
  return { messages, nextBefore: more && oldest ? formatHistoryCursor(oldest) : null };
}
