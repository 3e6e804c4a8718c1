import type { Prisma } from "@prisma/client";
import type { AlertInfo, AlertKind, AlertState } from "../../contract";
import type { Db } from "./prisma-client";

/** An alert episode as the evaluator keeps it; times are epoch milliseconds. */
export interface AlertRecord {
  id: string;
  name: string;
  kind: AlertKind;
  state: AlertState;
  startedAt: number;
  resolvedAt: number | null;
  value: number;
  threshold: number | null;
  nodeId: string;
}

export interface AlertListQuery {
  state?: AlertState;
  limit: number;
  before?: string;
}

/** The runs that ended in a window, as the run-based alert rules count them. */
export interface RunTally {
  /** Runs with a final verdict (passed or failed; cancelled ones aside). */
  runs: number;
  passed: number;
  /** Runs that ended in `agent_error`. */
  agentErrors: number;
  /** Run times in ms, when asked for (agent_p99_ms): of the newest MAX_RUNS_PER_EVALUATION runs. */
  durationsMs: number[];
}

/** Run times an agent_p99_ms evaluation reads at most (the newest of the window). */
export const MAX_RUNS_PER_EVALUATION = 5000;
/** The longest a run may last (an agent's timeout_ms at most): runs that started earlier cannot end in a window. */
const LONGEST_RUN_MS = 3_600_000;

type AlertRow = Prisma.AlertGetPayload<object>;

export function alertFromRow(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as AlertKind,
    state: r.state as AlertState,
    startedAt: r.startedAt.getTime(),
    resolvedAt: r.resolvedAt ? r.resolvedAt.getTime() : null,
    value: r.value,
    threshold: r.threshold,
    nodeId: r.nodeId,
  };
}

/** The wire shape of an episode (GET /api/alerts and the webhooks' `alert`). */
export function alertInfo(a: AlertRecord): AlertInfo {
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    state: a.state,
    started_at: new Date(a.startedAt).toISOString(),
    resolved_at: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
    value: a.value,
    threshold: a.threshold,
  };
}

/** GET /api/alerts: newest first by (startedAt, id), `before` a cursor `<startedAt>_<id>`. */
export async function listAlertRows(db: Db, q: AlertListQuery): Promise<{ items: AlertRecord[]; next: string | null }> {
  const where: Prisma.AlertWhereInput = {};
  if (q.state) where.state = q.state;
  const i = q.before ? q.before.indexOf("_") : -1;
  if (q.before && i > 0) {
    const at = new Date(Number(q.before.slice(0, i)));
    where.startedAt = { lte: at };
    where.OR = [{ startedAt: { lt: at } }, { startedAt: at, id: { lt: q.before.slice(i + 1) } }];
  }
  const found = await db.alert.findMany({ where, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: q.limit + 1 });
  const items = found.slice(0, q.limit).map(alertFromRow);
  const last = items.at(-1);
  return { items, next: found.length > q.limit && last ? `${last.startedAt}_${last.id}` : null };
}

/**
 * Counts the runs (sessions with a final verdict, cancelled ones aside) that ended at or after `since`,
 * of one agent or all, in the database (every node's); aggregates, so a busy window costs no rows.
 */
export async function runTallySince(db: Db, since: number, agent: string | null, withDurations: boolean): Promise<RunTally> {
  const where: Prisma.SessionWhereInput = {
    status: { in: ["passed", "failed"] },
    startedAt: { gte: new Date(since - LONGEST_RUN_MS) },
    endedAt: { gte: new Date(since) },
  };
  if (agent !== null) where.agentName = agent;
  const [byStatus, agentErrors, durations] = await Promise.all([
    db.session.groupBy({ by: ["status"], where, _count: { _all: true } }),
    db.session.count({ where: { ...where, reasons: { contains: '"agent_error"' } } }),
    withDurations
      ? db.session.findMany({
          where,
          select: { startedAt: true, endedAt: true },
          orderBy: { startedAt: "desc" },
          take: MAX_RUNS_PER_EVALUATION,
        })
      : Promise.resolve([]),
  ]);
  const count = (status: string) => byStatus.find((g) => g.status === status)?._count._all ?? 0;
  return {
    runs: count("passed") + count("failed"),
    passed: count("passed"),
    agentErrors,
    durationsMs: durations.map((d) => (d.endedAt ?? d.startedAt).getTime() - d.startedAt.getTime()),
  };
}

/**
 * The episodes' writes, on the node's own client (a few per episode, never on the routing path). The
 * id is the evaluator's, so a second create of one episode (another node, a retry) changes nothing.
 */
export class AlertStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Creates the episode's row, or records its resolution; a second create of one episode changes nothing. */
  async save(a: AlertRecord): Promise<void> {
    const resolution = { state: a.state, resolvedAt: a.resolvedAt === null ? null : new Date(a.resolvedAt) };
    const row = { name: a.name, kind: a.kind, startedAt: new Date(a.startedAt), value: a.value, threshold: a.threshold, nodeId: a.nodeId };
    await this.#db.alert.upsert({
      where: { id: a.id },
      create: { id: a.id, ...row, ...resolution },
      update: a.state === "resolved" ? resolution : {},
    });
  }

  /** The episodes firing now (at start, and when this node takes over the evaluation in a cluster). */
  async firing(): Promise<AlertRecord[]> {
    return (await this.#db.alert.findMany({ where: { state: "firing" }, orderBy: { startedAt: "asc" } })).map(alertFromRow);
  }
}
