import type { MessageRecord, SessionRecord, ThreadRecord } from "./records";
import type { ThreadPersistence } from "./thread-store";

/** The in-memory store beside the Prisma one: threads, messages and sessions in Maps (replay sandbox). */
export class MemoryStore implements ThreadPersistence {
  readonly threads = new Map<string, ThreadRecord>();
  readonly messages: MessageRecord[] = [];
  readonly sessions = new Map<string, SessionRecord>();

  saveThread(thread: ThreadRecord): void {
    this.threads.set(thread.id, thread);
  }

  saveMessage(message: MessageRecord): void {
    this.messages.push(message);
  }

  saveSession(session: SessionRecord): void {
    this.sessions.set(session.id, structuredClone(session));
  }

  findThread(id: string): Promise<ThreadRecord | null> {
    return Promise.resolve(this.threads.get(id) ?? null);
  }

  listMessages(threadId: string, limit: number): Promise<MessageRecord[]> {
    return Promise.resolve(this.messages.filter((m) => m.threadId === threadId).slice(-limit));
  }

  findSession(id: string): Promise<SessionRecord | null> {
    return Promise.resolve(this.sessions.get(id) ?? null);
  }
}
