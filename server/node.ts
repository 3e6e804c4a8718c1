import type { AddressInfo } from "node:net";
import type { TokenService } from "./auth/tokens";
import type { Cluster } from "./cluster/cluster";
import type { Config } from "./env";
import type { Logger } from "./logger";
import { type NodeOptions, type NodeParts, wireNode } from "./node-wiring";
import { settlesWithin, shutdownStep } from "./shutdown-step";
import type { NodeQueries } from "./operator/node-queries";
import { AckJournal, ackJournalFile } from "./store/ack-journal";
import { parseDatabaseUrl } from "./store/database-url";
import { applyMigrations } from "./store/migrate";
import { openPersistence } from "./store/open-persistence";
import type { Persistence } from "./store/persistence";

export type { NodeOptions } from "./node-wiring";

/** How long a start waits for the previous process's journaled records to be committed. */
const LEFTOVERS_WAIT_MS = 30_000;

/**
 * One Switchyard node: the router and everything around it, on one http server. `create` applies the
 * schema and wires the parts (node-wiring.ts); the node itself only listens, keeps retention and
 * closes. Questions about it go to `queries`, the read model the operator surfaces use.
 */
export class SwitchyardNode {
  readonly parts: NodeParts;
  readonly config: Config;
  readonly logger: Logger;
  #retentionTimer: NodeJS.Timeout | undefined;
  /** The retention pass started with listen() (its boundary scan may wait for a reader thread to start). */
  retentionPass: Promise<void> = Promise.resolve();

  private constructor(options: NodeOptions, parts: NodeParts) {
    this.config = options.config;
    this.logger = options.logger;
    this.parts = parts;
  }

  /** Applies the schema, opens the database and wires the node (not yet listening). */
  static async create(options: NodeOptions): Promise<SwitchyardNode> {
    const target = parseDatabaseUrl(options.config.DATABASE_URL);
    const applied = await applyMigrations(target);
    if (applied.length) options.logger.info({ migrations: applied, dialect: target.dialect }, "schema applied");
    const persistence = openPersistence(target, options.logger, {
      maxQueuedTraces: options.config.TRACE_QUEUE_MAX,
      journal: AckJournal.open(ackJournalFile(options.config)),
    });
    const node = new SwitchyardNode(options, await wireNode(options, persistence));
    await node.#markInterruptedSessions();
    await node.#writeLeftovers();
    return node;
  }

  /**
   * What the previous process acknowledged and had not committed (its journal) is written before this
   * node serves, so that a client reading right after a restart finds every acked record. With the
   * database down the wait is bounded: the records stay queued and journaled, written once it is back.
   */
  async #writeLeftovers(): Promise<void> {
    if (!(await settlesWithin(this.persistence.leftoversCommitted, LEFTOVERS_WAIT_MS, true)))
      this.logger.warn(
        { waited_ms: LEFTOVERS_WAIT_MS },
        "starting with journaled records not yet written; they are written when the database answers",
      );
  }

  get tokens(): TokenService {
    return this.parts.tokens;
  }
  get queries(): NodeQueries {
    return this.parts.queries;
  }
  get persistence(): Persistence {
    return this.parts.persistence;
  }
  get cluster(): Cluster | null {
    return this.parts.cluster;
  }

  /** Starts listening; resolves with the bound port (port 0 picks a free one). */
  async listen(port = this.config.PORT, host = this.config.HOST): Promise<number> {
    const { http } = this.parts;
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, host, () => resolve());
    });
    this.#retentionTimer = setInterval(() => void this.#enforceRetention(), 60_000);
    this.#retentionTimer.unref();
    this.retentionPass = this.#enforceRetention();
    return (http.address() as AddressInfo).port;
  }

  /**
   * Graceful stop: refuse new connections, mark running sessions interrupted, flush, close. Each step
   * has a deadline (shutdown-step.ts): a stop never hangs on one part, and the log names the part.
   */
  async close(): Promise<void> {
    const { http, io, inspector, persistence, cluster } = this.parts;
    const step = (name: string, ms: number, work: () => Promise<unknown>) => shutdownStep(this.logger, name, ms, work);
    clearInterval(this.#retentionTimer);
    await step("transports", 5000, () => Promise.all(this.parts.transports.map((t) => t.close())));
    this.parts.close();
    inspector.close();
    // io.close() also closes the http server; its callback waits for every connection to end.
    const closed = await step("socket.io", 5000, () => new Promise<void>((resolve) => io.close(() => resolve())));
    if (!closed) http.closeAllConnections();
    if (http.listening) await step("http", 2000, () => new Promise<void>((resolve) => http.close(() => resolve())));
    await step("persistence", 30_000, () => persistence.close());
    if (cluster && !(await step("cluster", 5000, () => cluster.close()))) cluster.destroy();
  }

  /** Sessions this node left running when it stopped without a goodbye (crash) are interrupted. */
  async #markInterruptedSessions(): Promise<void> {
    const { persistence } = this.parts;
    const stale = await persistence.db.session.findMany({ where: { status: "running", nodeId: this.config.NODE_ID } });
    for (const row of stale) {
      const s = await persistence.findSession(row.id);
      if (!s) continue;
      persistence.saveSession({
        ...s,
        status: "failed",
        reasons: [...new Set([...s.reasons, "interrupted" as const])],
        endedAt: s.endedAt ?? Date.now(),
        updatedAt: Date.now(),
      });
    }
    if (stale.length) this.logger.warn({ sessions: stale.length }, "sessions left running by an earlier process marked interrupted");
  }

  async #enforceRetention(): Promise<void> {
    try {
      const { TRACE_RETENTION_DAYS, TRACE_RETENTION_ROWS, SESSION_RETENTION_DAYS } = this.config;
      const removed = await this.parts.persistence.enforceRetention(TRACE_RETENTION_DAYS, TRACE_RETENTION_ROWS, SESSION_RETENTION_DAYS);
      if (removed.traces || removed.sessions) this.logger.info(removed, "retention enforced");
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "retention failed; will retry");
    }
  }
}
