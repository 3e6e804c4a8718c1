import { randomUUID } from "node:crypto";
import { newMessageId } from "./message-id";
import { byHistoryOrder, type HistoryCursor, isBefore } from "./history-page";
import type { MessageRecord, ThreadRecord } from "./records";

/** What the thread store needs from the database. */
export interface ThreadPersistence {
  /** Queues the thread; the promise (a store with a database) resolves once it is committed. */
  saveThread(thread: ThreadRecord): Promise<void> | void;
  /** Queues the message; the promise (a store with a database) resolves once it is committed. */
  saveMessage(message: MessageRecord): Promise<void> | void;
  /** False while the database is known to be unavailable (its last write failed). */
  readonly healthy?: boolean;
  findThread(id: string): Promise<ThreadRecord | null>;
  listMessages(threadId: string, limit: number, before?: { createdAt: number; id: string }): Promise<MessageRecord[]>;
}

/** How long an ack waits for its records' commit at most; past it the ack goes and the records stay queued. */
export const COMMIT_WAIT_MS = 2000;

/** The commit of a record that is durable already (journaled, or a store without a database): nothing to wait for. */
const DURABLE: Promise<void> = Promise.resolve();

/** What a save returned, as the promise untilCommitted waits for. */
const commitOf = (saved: Promise<void> | void): Promise<void> => saved ?? DURABLE;

/** A record just stored, and its commit (ThreadStore.untilCommitted waits for it, bounded). */
export interface Stored<T> {
  record: T;
  committed: Promise<void>;
}

const CACHED_THREADS = 100_000;
const CACHED_MESSAGES_PER_THREAD = 200;
const TRIM_STEP = 50;

/**
 * Threads and their messages: a bounded in-memory cache in front of persistence, so the ownership check
 * on the hot path is a Map lookup for any thread this node has seen. Every record is queued for the
 * database at once (group commit); the handlers that ack a user's message or a created thread wait for
 * its commit first (untilCommitted).
 */
export class ThreadStore {
  readonly #persistence: ThreadPersistence;
  readonly #threads = new Map<string, ThreadRecord>();
  readonly #messages = new Map<string, MessageRecord[]>();

  /** Acks answered before their records were durable (committed, or journaled): the wait ran out, or the database was known to be down. */
  acksBeforeCommit = 0;

  constructor(persistence: ThreadPersistence) {
    this.#persistence = persistence;
  }

  /** Creates a thread owned by `userId`. */
  create(userId: string, title: string | undefined): Stored<ThreadRecord> {
    return this.createWithId(`thr_${randomUUID()}`, userId, title);
  }

  /** Creates a thread under an id the caller derived (an AG-UI client's threadId, namespaced per user). */
  createWithId(id: string, userId: string, title: string | undefined): Stored<ThreadRecord> {
    const thread: ThreadRecord = { id, userId, title: title?.trim() || "New thread", createdAt: Date.now() };
    this.#remember(thread, true);
    return { record: thread, committed: commitOf(this.#persistence.saveThread(thread)) };
  }

  /**
   * Waits for records' commit before their ack: not at all for a durable one (a node's records are
   * journaled, ack-journal.ts), at most COMMIT_WAIT_MS otherwise, and not at all while the database is
   * known to be down (routing goes on through an outage, the records stay queued). An ack answered
   * before a record that is not durable was committed is counted (acksBeforeCommit).
   */
  async untilCommitted(...all: Promise<void>[]): Promise<void> {
    const commits = all.filter((c) => c !== DURABLE);
    if (commits.length === 0) return;
    if (this.#persistence.healthy === false) {
      this.acksBeforeCommit++;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const ranOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), COMMIT_WAIT_MS)));
    const late = await Promise.race([Promise.all(commits).then(() => false), ranOut]);
    clearTimeout(timer);
    if (late) this.acksBeforeCommit++;
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
  append(message: Omit<MessageRecord, "id" | "createdAt">): Stored<MessageRecord> {
    const record: MessageRecord = { ...message, id: newMessageId(), createdAt: Date.now() };
    const list = this.#messages.get(record.threadId);
    if (list) {
      list.push(record);
      // Trimmed in steps of TRIM_STEP, so that a long thread does not shift its array on every message.
      if (list.length > CACHED_MESSAGES_PER_THREAD + TRIM_STEP) {
        list.splice(0, list.length - CACHED_MESSAGES_PER_THREAD);
        this.#completeInMemory.delete(record.threadId);
      }
    }
    return { record, committed: commitOf(this.#persistence.saveMessage(record)) };
  }

  /** The last `limit` messages of a thread before the cursor (when given), oldest first in (createdAt, id) order. */
  async history(threadId: string, limit: number, before?: HistoryCursor): Promise<MessageRecord[]> {
    const cached = this.#messages.get(threadId);
    if (cached) {
      // The cache holds the thread's newest messages: it answers when it has `limit` of them before the cursor.
      const older = (before ? cached.filter((m) => isBefore(m, before)) : cached.slice()).sort(byHistoryOrder);
      if (older.length >= limit || this.#completeInMemory.has(threadId)) return older.slice(-limit);
    }
    return this.#persistence.listMessages(threadId, limit, before);
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
