import { createHash } from "node:crypto";
import type { ThreadRecord } from "../../store/records";
import type { ThreadStore } from "../../store/thread-store";
import { truncate } from "../../text/unicode";

/** The Switchyard thread id an AG-UI client's `threadId` names for one user: deterministic, per user. */
export function agUiThreadKey(userId: string, clientThreadId: string): string {
  const digest = createHash("sha256").update(userId).update("\0").update(clientThreadId).digest("base64url");
  return `thr_agui_${digest.slice(0, 32)}`;
}

/** A client threadId resolved: Switchyard's thread, and the thread record when this request created it. */
export interface ResolvedThread {
  threadId: string;
  created?: ThreadRecord;
}

/**
 * AG-UI threadIds belong to the client and form a namespace per user (PROTOCOL.md "AG-UI"): the same
 * threadId from two users names two threads, an unknown one starts a new thread, and none is ever
 * refused. The thread is stored under `agUiThreadKey(user, threadId)` itself, so a client threadId keeps
 * naming its thread across restarts and on every node of a cluster.
 */
export class ClientThreads {
  readonly #threads: ThreadStore;
  /** Resolutions under way, so that two requests at once for a new threadId create one thread. */
  readonly #pending = new Map<string, Promise<ResolvedThread>>();

  constructor(threads: ThreadStore) {
    this.#threads = threads;
  }

  /** Switchyard's thread for the user's client threadId; created (titled after `content`) when there is none. */
  resolve(userId: string, clientThreadId: string, content: string): Promise<ResolvedThread> {
    const key = agUiThreadKey(userId, clientThreadId);
    const pending = this.#pending.get(key);
    if (pending) return pending.then(({ threadId }) => ({ threadId }));
    const resolution = this.#resolve(key, userId, content).finally(() => this.#pending.delete(key));
    this.#pending.set(key, resolution);
    return resolution;
  }

  async #resolve(key: string, userId: string, content: string): Promise<ResolvedThread> {
    // The key is the user's own (a hash of user and threadId), so an existing thread under it is theirs.
    const existing = await this.#threads.find(key);
    if (existing) return { threadId: existing.id };
    const { record: created, committed } = this.#threads.createWithId(key, userId, truncate(content, 80));
    // The run's start (the stream's opening) is this thread's ack: it waits for the commit (bounded).
    await this.#threads.untilCommitted(committed);
    return { threadId: created.id, created };
  }
}
