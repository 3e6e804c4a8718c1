import { type ServerEvent } from "../../contract";
import { buildEvent } from "../transport/event-factory";

export interface QueuedBroadcast {
  content: string;
  priority: number;
  from: string;
  traceId: string;
}

/** Sends one broadcast event to every connection (locally, and to other nodes in a cluster). */
export type BroadcastSender = (event: ServerEvent & { user_id: null }) => void;

const FLUSH_AT = 10;
const URGENT_PRIORITY = 100;
const FLUSH_AFTER_MS = 100;

/** Batches operator broadcasts: flush at 10 queued, at priority >= 100, or 100 ms after the first. */
export class BroadcastBatcher {
  readonly #send: BroadcastSender;
  #queue: QueuedBroadcast[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(send: BroadcastSender) {
    this.#send = send;
  }

  enqueue(item: QueuedBroadcast): void {
    this.#queue.push(item);
    if (this.#queue.length >= FLUSH_AT || item.priority >= URGENT_PRIORITY) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** Sends everything queued, highest priority first, in arrival order within a priority. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    batch.sort((a, b) => b.priority - a.priority);
    for (const item of batch) {
      this.#send(
        buildEvent(
          "system_message",
          { status: "broadcast", content: item.content, priority: item.priority, from: item.from },
          { user_id: null, trace_id: item.traceId },
        ),
      );
    }
  }

  close(): void {
    this.flush();
  }
}
