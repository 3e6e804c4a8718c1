import { existsSync, readFileSync } from "node:fs";
import { type AlertKind, type AlertRuleDeclaration, AlertsFileSchema } from "../../contract";

/** Where the alerts file is looked for when ALERTS_FILE is unset. */
export const DEFAULT_ALERTS_FILE = "./switchyard.alerts.json";

/** A rule with every field its kind uses filled in. */
export interface AlertRule {
  name: string;
  kind: AlertKind;
  /** null: the kind has none (degraded). */
  threshold: number | null;
  windowMs: number;
  /** Run-based kinds; 0 for the others. */
  minRuns: number;
  agent: string | null;
}

/** Each kind's defaults for the fields a rule leaves out (docs/observability.md "Alerts"). */
const KIND_DEFAULTS: Record<AlertKind, { threshold: number | null; window_s: number; min_runs: number }> = {
  isolation_violation: { threshold: 0, window_s: 300, min_runs: 0 },
  pass_rate: { threshold: 0.95, window_s: 300, min_runs: 20 },
  agent_error_rate: { threshold: 0.1, window_s: 300, min_runs: 20 },
  agent_p99_ms: { threshold: 30_000, window_s: 300, min_runs: 20 },
  trace_drops: { threshold: 0, window_s: 300, min_runs: 0 },
  degraded: { threshold: null, window_s: 60, min_runs: 0 },
};

/** The rules without a file (PROTOCOL.md): any isolation violation, degraded, pass rate below 0.95 over 300 s with 20 runs. */
export const DEFAULT_RULES: AlertRule[] = [
  withDefaults({ name: "isolation_violation", kind: "isolation_violation" }),
  withDefaults({ name: "degraded", kind: "degraded" }),
  withDefaults({ name: "pass_rate", kind: "pass_rate" }),
];

function withDefaults(rule: AlertRuleDeclaration): AlertRule {
  const d = KIND_DEFAULTS[rule.kind];
  return {
    name: rule.name,
    kind: rule.kind,
    threshold: d.threshold === null ? null : (rule.threshold ?? d.threshold),
    windowMs: (rule.window_s ?? d.window_s) * 1000,
    minRuns: d.min_runs === 0 ? 0 : (rule.min_runs ?? d.min_runs),
    agent: rule.agent ?? null,
  };
}

/**
 * Reads the alerts file: a file that does not parse, an unknown kind, a wrong field or a duplicate name
 * stops the start with one line naming the rule and the field. A default path that does not exist means
 * the default rules; a file's rules replace them (an empty array: no alerts).
 */
export function loadAlertRules(path: string, explicit: boolean): AlertRule[] {
  if (!existsSync(path)) {
    if (explicit) throw new Error(`ALERTS_FILE ${path}: no such file`);
    return DEFAULT_RULES;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`ALERTS_FILE ${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = AlertsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [index, ...field] = issue.path;
    const rule = Array.isArray(raw) && typeof index === "number" ? ruleName(raw[index], index) : "the file";
    const where = field.length ? ` field ${field.join(".")}` : "";
    throw new Error(`ALERTS_FILE ${path}: ${rule}${where}: ${issue.message}`);
  }
  const seen = new Set<string>();
  return parsed.data.map((rule, i) => {
    if (seen.has(rule.name)) throw new Error(`ALERTS_FILE ${path}: rule ${i} ("${rule.name}"): duplicate name`);
    seen.add(rule.name);
    return withDefaults(rule);
  });
}

function ruleName(entry: unknown, index: number): string {
  const name = typeof entry === "object" && entry !== null && "name" in entry ? entry.name : undefined;
  return typeof name === "string" ? `rule ${index} ("${name.slice(0, 64)}")` : `rule ${index}`;
}
