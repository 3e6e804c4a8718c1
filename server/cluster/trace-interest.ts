import type { InterestNotice } from "../../contract";

/** How often a node with inspector subscribers says so again, and how long another node believes it. */
export const INTEREST_RENEW_MS = 5000;
export const INTEREST_TTL_MS = 15_000;

/**
 * Which nodes of the cluster want this node's trace batches: those with an inspector subscriber (a
 * console open on them). Nobody else reads them: a node without subscribers would decode and aggregate
 * every trace row of the cluster for nothing, and the sender encode and stream it (measured: most of
 * what a second node added per golden run). A node announces a change at once and renews the notice
 * every INTEREST_RENEW_MS while watched; a notice not renewed within INTEREST_TTL_MS (its node gone)
 * is forgotten.
 */
export class TraceInterest {
  readonly #until = new Map<string, number>();
  readonly #announce: (notice: InterestNotice) => void;
  readonly #nodeId: string;
  #renewal: NodeJS.Timeout | undefined;

  constructor(nodeId: string, announce: (notice: InterestNotice) => void) {
    this.#nodeId = nodeId;
    this.#announce = announce;
  }

  /** Another node's notice. */
  heard(notice: InterestNotice): void {
    if (notice.node_id === this.#nodeId) return;
    if (notice.watching) this.#until.set(notice.node_id, Date.now() + INTEREST_TTL_MS);
    else this.#until.delete(notice.node_id);
  }

  /** Whether any other node wants trace batches now. */
  wanted(): boolean {
    if (this.#until.size === 0) return false;
    const now = Date.now();
    for (const [node, until] of this.#until) if (until < now) this.#until.delete(node);
    return this.#until.size > 0;
  }

  /** This node's inspector got its first subscriber, or lost its last. */
  watching(watched: boolean): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
    const notice = { node_id: this.#nodeId, watching: watched };
    this.#announce(notice);
    if (watched) {
      this.#renewal = setInterval(() => this.#announce(notice), INTEREST_RENEW_MS);
      this.#renewal.unref();
    }
  }

  close(): void {
    clearInterval(this.#renewal);
  }
}
