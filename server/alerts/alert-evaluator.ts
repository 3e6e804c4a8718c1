import { randomBytes } from "node:crypto";
import type { AlertInfo } from "../../contract";
import type { Logger } from "../logger";
import { type AlertRecord, alertInfo, type RunTally } from "../store/alert-store";
import type { AlertLease, NodeCounters } from "./alert-lease";
import { CounterWindow, type Measurement, measureCount, measureDegraded, measureRuns } from "./alert-measures";
import type { AlertRule } from "./alert-rules";

/** What the rules measure, read at each evaluation (wired in wire-alerts.ts). */
export interface AlertSources {
  /** This node's isolation violations and trace drops so far (read often: a new violation is evaluated at once). */
  counters(): NodeCounters;
  /** The runs (of `agent`, or all) that ended at or after `since` (the database: every node's runs). */
  runTally(since: number, agent: string | null, withDurations: boolean): Promise<RunTally>;
  /** How many of the node's parts (database, Redis) are down now (the degraded rule only). */
  partsDown(): Promise<number>;
}

/** Where episodes are kept (server/store/alert-store.ts). */
export interface EpisodeStore {
  save(a: AlertRecord): Promise<void>;
  firing(): Promise<AlertRecord[]>;
}

export interface AlertEvaluatorDeps {
  rules: AlertRule[];
  sources: AlertSources;
  store: EpisodeStore;
  lease: AlertLease;
  /** Sends one notification (already claimed for this node). */
  notify(alert: AlertInfo): void;
  nodeId: string;
  logger: Logger;
  intervalMs: number;
}

/** How often the local isolation counter is looked at between evaluations. */
const VIOLATION_WATCH_MS = 250;

/**
 * Evaluates the alert rules on a timer, never on the routing path. An episode fires once when its rule
 * is breached and resolves once the rule's whole window is clear, observed for at least a window (so an
 * episode still firing at a restart stays firing, without a second notification, until a window has
 * passed clear). Episodes are written to the database before they are notified; a write that fails is
 * retried at the next evaluation. In a cluster only the lease holder evaluates (alert-lease.ts).
 */
export class AlertEvaluator {
  readonly #d: AlertEvaluatorDeps;
  readonly #open = new Map<string, AlertRecord>();
  readonly #unsaved = new Map<string, AlertRecord>();
  readonly #violations = new CounterWindow();
  readonly #drops = new CounterWindow();
  readonly #keepMs: number;
  #lastDownAt: number | null = null;
  #leading = false;
  #observingSince = 0;
  #running: Promise<void> | null = null;
  #timers: NodeJS.Timeout[] = [];
  #seenViolations = 0;

  constructor(deps: AlertEvaluatorDeps) {
    this.#d = deps;
    this.#keepMs = Math.max(0, ...deps.rules.map((r) => r.windowMs));
  }

  /** Starts the timers (unref'd); the first evaluation runs now. */
  start(): void {
    if (this.#d.rules.length === 0) return;
    const every = setInterval(() => void this.evaluate(), this.#d.intervalMs);
    const watch = setInterval(() => {
      if (this.#d.sources.counters().isolationViolations !== this.#seenViolations) void this.evaluate();
    }, VIOLATION_WATCH_MS);
    for (const t of [every, watch]) t.unref();
    this.#timers = [every, watch];
    void this.evaluate();
  }

  /** One evaluation of every rule (evaluations never overlap; a call during one waits for it). */
  evaluate(): Promise<void> {
    this.#running ??= this.#evaluate()
      .catch((err: unknown) => this.#d.logger.warn({ err: (err as Error).message }, "alert evaluation failed"))
      .finally(() => (this.#running = null));
    return this.#running;
  }

  async #evaluate(): Promise<void> {
    const now = Date.now();
    const local = this.#d.sources.counters();
    this.#seenViolations = local.isolationViolations;
    await this.#d.lease.share(local);
    if (!(await this.#lead(now))) return;
    await this.#retryWrites();
    const measured = await this.#measure(now);
    for (const rule of this.#d.rules) {
      const m = measured.get(rule.name)!;
      const open = this.#open.get(rule.name);
      if (m.breached && !open) await this.#fire(rule, m, now);
      else if (!m.breached && open && now - Math.max(this.#observingSince, open.startedAt) >= rule.windowMs) await this.#resolve(open, now);
    }
  }

  /** Takes or keeps the lease; on taking it, adopts the episodes firing in the database. */
  async #lead(now: number): Promise<boolean> {
    const held = await this.#d.lease.held();
    if (held && !this.#leading) {
      this.#open.clear();
      this.#observingSince = now;
      for (const a of await this.#d.store.firing()) await this.#adopt(a, now);
    }
    this.#leading = held;
    return held;
  }

  /**
   * An episode found firing is kept open when its rule still exists; one of a rule no longer in the
   * file, or the older of two of one rule (nodes that evaluated alone while Redis was down), is
   * resolved without a notification.
   */
  async #adopt(a: AlertRecord, now: number): Promise<void> {
    const rule = this.#d.rules.find((r) => r.name === a.name && r.kind === a.kind);
    const kept = this.#open.get(a.name);
    if (rule && !kept) {
      this.#open.set(a.name, a);
      return;
    }
    let older = a;
    if (rule && kept && kept.startedAt < a.startedAt) {
      this.#open.set(a.name, a);
      older = kept;
    }
    await this.#save({ ...older, state: "resolved", resolvedAt: now });
  }

  async #measure(now: number): Promise<Map<string, Measurement>> {
    const kinds = new Set(this.#d.rules.map((r) => r.kind));
    const out = new Map<string, Measurement>();
    if (kinds.has("isolation_violation") || kinds.has("trace_drops")) {
      const counters = (await this.#d.lease.counters()) ?? [this.#d.sources.counters()];
      this.#violations.sample(now, new Map(counters.map((c) => [c.node, c.isolationViolations])), this.#keepMs);
      this.#drops.sample(now, new Map(counters.map((c) => [c.node, c.traceDrops])), this.#keepMs);
    }
    const down = kinds.has("degraded") ? await this.#d.sources.partsDown() : 0;
    if (down > 0) this.#lastDownAt = now;
    for (const rule of this.#d.rules) {
      const since = now - rule.windowMs;
      if (rule.kind === "isolation_violation") out.set(rule.name, measureCount(rule, this.#violations.sum(since)));
      else if (rule.kind === "trace_drops") out.set(rule.name, measureCount(rule, this.#drops.sum(since)));
      else if (rule.kind === "degraded") out.set(rule.name, measureDegraded(this.#lastDownAt, down, now, rule));
      else out.set(rule.name, measureRuns(rule, await this.#d.sources.runTally(since, rule.agent, rule.kind === "agent_p99_ms")));
    }
    return out;
  }

  async #fire(rule: AlertRule, m: Measurement, now: number): Promise<void> {
    const a: AlertRecord = {
      id: `alert_${now}_${randomBytes(4).toString("hex")}`,
      name: rule.name,
      kind: rule.kind,
      state: "firing",
      startedAt: now,
      resolvedAt: null,
      value: m.value,
      threshold: rule.threshold,
      nodeId: this.#d.nodeId,
    };
    this.#open.set(rule.name, a);
    this.#d.logger.warn({ alert: rule.name, kind: rule.kind, value: m.value, threshold: rule.threshold }, "alert firing");
    await this.#save(a);
    await this.#notify(a);
  }

  async #resolve(open: AlertRecord, now: number): Promise<void> {
    const a: AlertRecord = { ...open, state: "resolved", resolvedAt: now };
    this.#open.delete(open.name);
    this.#d.logger.info({ alert: a.name, kind: a.kind }, "alert resolved");
    await this.#save(a);
    await this.#notify(a);
  }

  async #notify(a: AlertRecord): Promise<void> {
    if (await this.#d.lease.claim(`${a.id}:${a.state}`)) this.#d.notify(alertInfo(a));
  }

  async #save(a: AlertRecord): Promise<void> {
    try {
      await this.#d.store.save(a);
      this.#unsaved.delete(a.id);
    } catch (err) {
      this.#unsaved.set(a.id, a);
      this.#d.logger.warn({ alert: a.name, err: (err as Error).message }, "alert episode not saved; will retry");
    }
  }

  async #retryWrites(): Promise<void> {
    for (const a of [...this.#unsaved.values()]) await this.#save(a);
  }

  /** Stops the timers and gives the lease up (an evaluation in progress finishes). */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.#running;
    await this.#d.lease.release();
  }
}
