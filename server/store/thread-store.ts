import { randomUUID } from "node:crypto";
import type { MessageRecord, ThreadRecord } from "./records";

/** What the thread store needs from the database. */
export interface ThreadPersistence {
  saveThread(thread: ThreadRecord): void;
  saveMessage(message: MessageRecord): void;
  findThread(id: string): Promise<ThreadRecord | null>;
  listMessages(threadId: string, limit: number): Promise<MessageRecord[]>;
}

const CACHED_THREADS = 100_000;
const CACHED_MESSAGES_PER_THREAD = 200;
const TRIM_STEP = 50;

/**
 * Threads and their messages: a bounded in-memory cache in front of write-behind persistence, so the
 * ownership check on the hot path is a Map lookup for any thread this node has seen.
 */
export class ThreadStore {
  readonly #persistence: ThreadPersistence;
  readonly #threads = new Map<string, ThreadRecord>();
  readonly #messages = new Map<string, MessageRecord[]>();

  constructor(persistence: ThreadPersistence) {
    this.#persistence = persistence;
  }

  /** Creates a thread owned by `userId`. */
  create(userId: string, title: string | undefined): ThreadRecord {
    return this.createWithId(`thr_${randomUUID()}`, userId, title);
  }

  /** Creates a thread under an id the caller derived (an AG-UI client's threadId, namespaced per user). */
  createWithId(id: string, userId: string, title: string | undefined): ThreadRecord {
    const thread: ThreadRecord = { id, userId, title: title?.trim() || "New thread", createdAt: Date.now() };
    this.#remember(thread, true);
    this.#persistence.saveThread(thread);
    return thread;
  }

  /** The thread, from memory or the database; null when it does not exist. */
  async find(threadId: string): Promise<ThreadRecord | null> {
    const cached = this.#threads.get(threadId);
    if (cached) return cached;
    const stored = await this.#persistence.findThread(threadId);
    if (stored) this.#remember(stored, false);
    return stored;
  }

  /** Appends a message to a thread's history. */
  append(message: Omit<MessageRecord, "id" | "createdAt">): MessageRecord {
    const record: MessageRecord = { ...message, id: `msg_${randomUUID()}`, createdAt: Date.now() };
    const list = this.#messages.get(record.threadId);
    if (list) {
      list.push(record);
      // Trimmed in steps of TRIM_STEP, so that a long thread does not shift its array on every message.
      if (list.length > CACHED_MESSAGES_PER_THREAD + TRIM_STEP) {
        list.splice(0, list.length - CACHED_MESSAGES_PER_THREAD);
        this.#completeInMemory.delete(record.threadId);
      }
    }
    this.#persistence.saveMessage(record);
    return record;
  }

  /** The last `limit` messages of a thread, oldest first. */
  async history(threadId: string, limit: number): Promise<MessageRecord[]> {
    const cached = this.#messages.get(threadId);
    if (cached && (cached.length >= limit || this.#completeInMemory.has(threadId))) return cached.slice(-limit);
    return this.#persistence.listMessages(threadId, limit);
  }

  /** Threads created on this node since start have their whole history in memory (until it overflows). */
  readonly #completeInMemory = new Set<string>();

  #remember(thread: ThreadRecord, createdHere: boolean): void {
    if (this.#threads.size >= CACHED_THREADS) {
      const oldest = this.#threads.keys().next().value;
      if (oldest !== undefined) {
        this.#threads.delete(oldest);
        this.#messages.delete(oldest);
        this.#completeInMemory.delete(oldest);
      }
    }
    this.#threads.set(thread.id, thread);
    if (!this.#messages.has(thread.id)) this.#messages.set(thread.id, []);
    if (createdHere) this.#completeInMemory.add(thread.id);
  }
}
