import type { RunTally } from "../store/alert-store";
import type { AlertRule } from "./alert-rules";

/** What one rule measured at one evaluation: whether it is breached, and the figure it compared. */
export interface Measurement {
  breached: boolean;
  value: number;
}

/**
 * Increases of counters that only grow while their node runs (isolation violations, trace drops), per
 * node: each sample adds what every node's counter grew by since its previous sample. A counter that
 * went down (its node restarted) starts again from its new value.
 */
export class CounterWindow {
  readonly #last = new Map<string, number>();
  #samples: { t: number; delta: number }[] = [];

  /** Records the counters' totals by node; the first total of a node is its baseline. */
  sample(t: number, totals: ReadonlyMap<string, number>, keepMs: number): void {
    let delta = 0;
    for (const [node, total] of totals) {
      const last = this.#last.get(node);
      if (last !== undefined && total > last) delta += total - last;
      this.#last.set(node, total);
    }
    if (delta > 0) this.#samples.push({ t, delta });
    const cutoff = t - keepMs;
    if (this.#samples.length && this.#samples[0]!.t < cutoff) this.#samples = this.#samples.filter((s) => s.t >= cutoff);
  }

  /** What the counters grew by at or after `since`. */
  sum(since: number): number {
    let n = 0;
    for (const s of this.#samples) if (s.t >= since) n += s.delta;
    return n;
  }
}

/** isolation_violation, trace_drops: the count in the window above the threshold (isolation: any). */
export function measureCount(rule: AlertRule, count: number): Measurement {
  return { breached: count > (rule.threshold ?? 0), value: count };
}

/** degraded: a part was down at some sample of the window; the value is how many parts are down now (or were). */
export function measureDegraded(lastDownAt: number | null, downNow: number, now: number, rule: AlertRule): Measurement {
  const breached = lastDownAt !== null && now - lastDownAt < rule.windowMs;
  return { breached, value: breached ? Math.max(1, downNow) : 0 };
}

/** pass_rate, agent_error_rate, agent_p99_ms over the runs of the rule's window; fewer than `min_runs` count as clear. */
export function measureRuns(rule: AlertRule, tally: RunTally): Measurement {
  if (tally.runs === 0 || tally.runs < rule.minRuns) return { breached: false, value: 0 };
  const threshold = rule.threshold ?? 0;
  switch (rule.kind) {
    case "pass_rate": {
      const rate = round(tally.passed / tally.runs);
      return { breached: rate < threshold, value: rate };
    }
    case "agent_error_rate": {
      const rate = round(tally.agentErrors / tally.runs);
      return { breached: rate > threshold, value: rate };
    }
    default: {
      const sorted = [...tally.durationsMs].sort((a, b) => a - b);
      const p99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
      return { breached: p99 > threshold, value: p99 };
    }
  }
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
