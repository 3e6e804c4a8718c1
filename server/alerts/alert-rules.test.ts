import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AlertInfo } from "../../contract";
import { CounterWindow, measureRuns } from "./alert-measures";
import { DEFAULT_RULES, loadAlertRules } from "./alert-rules";
import { alertText } from "./alert-text";
import { signature } from "./webhook-notifier";

const dir = mkdtempSync(join(tmpdir(), "alerts-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (content: unknown) => {
  const path = join(dir, `r${Math.random()}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

describe("the alerts file", () => {
  it("without a file: isolation_violation, degraded, and pass_rate below 0.95 over 300 s with 20 runs", () => {
    expect(loadAlertRules(join(dir, "absent.json"), false)).toBe(DEFAULT_RULES);
    expect(DEFAULT_RULES.map((r) => [r.kind, r.threshold, r.windowMs, r.minRuns])).toEqual([
      ["isolation_violation", 0, 300_000, 0],
      ["degraded", null, 60_000, 0],
      ["pass_rate", 0.95, 300_000, 20],
    ]);
  });

  it("fills each kind's defaults and keeps what the file says; [] means no alerts", () => {
    const rules = loadAlertRules(
      file([
        { name: "slow", kind: "agent_p99_ms", agent: "bot", window_s: 60 },
        { name: "iso", kind: "isolation_violation" },
      ]),
      true,
    );
    expect(rules).toEqual([
      { name: "slow", kind: "agent_p99_ms", threshold: 30_000, windowMs: 60_000, minRuns: 20, agent: "bot" },
      { name: "iso", kind: "isolation_violation", threshold: 0, windowMs: 300_000, minRuns: 0, agent: null },
    ]);
    expect(loadAlertRules(file([]), true)).toEqual([]);
  });

  it("refuses a bad file with one line naming the rule and the field", () => {
    const p = (content: unknown) => file(content);
    const cases: [unknown, string][] = [
      [[{ name: "x", kind: "nope" }], 'rule 0 ("x") field kind'],
      [[{ name: "r", kind: "pass_rate", threshold: 2 }], 'rule 0 ("r") field threshold: a rate threshold must be between 0 and 1'],
      [[{ name: "d", kind: "degraded", min_runs: 3 }], 'rule 0 ("d") field min_runs'],
      [[{ name: "i", kind: "isolation_violation", agent: "a" }], 'rule 0 ("i") field agent'],
      [[{ name: "i", kind: "degraded", extra: 1 }], 'rule 0 ("i")'],
      [
        [
          { name: "a", kind: "degraded" },
          { name: "a", kind: "degraded" },
        ],
        'rule 1 ("a"): duplicate name',
      ],
      ["{not json", "not valid JSON"],
    ];
    for (const [content, message] of cases) {
      const path = p(content);
      expect(() => loadAlertRules(path, true)).toThrow(`ALERTS_FILE ${path}: ${message}`);
    }
    expect(() => loadAlertRules(join(dir, "absent.json"), true)).toThrow("no such file");
  });
});

describe("what the rules measure", () => {
  it("counts counter increases per node in the window; a node's reset starts it again", () => {
    const w = new CounterWindow();
    w.sample(0, new Map([["a", 5]]), 10_000);
    w.sample(
      1000,
      new Map([
        ["a", 7],
        ["b", 1],
      ]),
      10_000,
    );
    w.sample(
      2000,
      new Map([
        ["a", 0],
        ["b", 4],
      ]),
      10_000,
    );
    w.sample(
      3000,
      new Map([
        ["a", 2],
        ["b", 4],
      ]),
      10_000,
    );
    expect(w.sum(0)).toBe(2 + 3 + 2);
    expect(w.sum(1500)).toBe(3 + 2);
    w.sample(
      20_000,
      new Map([
        ["a", 2],
        ["b", 4],
      ]),
      10_000,
    );
    expect(w.sum(0)).toBe(0);
  });

  it("rates and p99 over the window's runs; fewer than min_runs is clear", () => {
    const [, , passRate] = DEFAULT_RULES;
    const tally = { runs: 20, passed: 18, agentErrors: 2, durationsMs: [] };
    expect(measureRuns(passRate!, tally)).toEqual({ breached: true, value: 0.9 });
    expect(measureRuns(passRate!, { ...tally, runs: 19, passed: 0 })).toEqual({ breached: false, value: 0 });
    const errors = { name: "e", kind: "agent_error_rate", threshold: 0.05, windowMs: 1, minRuns: 1, agent: null } as const;
    expect(measureRuns(errors, tally)).toEqual({ breached: true, value: 0.1 });
    const p99 = { ...errors, kind: "agent_p99_ms", threshold: 900 } as const;
    const durationsMs = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    expect(measureRuns(p99, { ...tally, runs: 100, durationsMs })).toEqual({ breached: true, value: 990 });
  });
});

describe("a notification", () => {
  const alert: AlertInfo = {
    id: "alert_1",
    name: "golden<path>",
    kind: "pass_rate",
    state: "firing",
    started_at: "2026-01-01T00:00:00.000Z",
    resolved_at: null,
    value: 0.4,
    threshold: 0.95,
  };
  it("is one Slack-compatible line, escaped", () => {
    expect(alertText(alert, "node-a")).toBe(
      ":rotating_light: *FIRING* golden&lt;path&gt; (pass_rate): golden-path pass rate 40.0% below 95.0% on node-a since 2026-01-01T00:00:00.000Z",
    );
    expect(alertText({ ...alert, state: "resolved", resolved_at: "2026-01-01T00:05:00.000Z" }, "n")).toMatch(
      /^:white_check_mark: \*RESOLVED\* /,
    );
  });
  it("is signed with the hex HMAC-SHA256 of the exact body", () => {
    const body = JSON.stringify({ text: "t", alert });
    expect(signature(body, "s3cret")).toBe(`sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`);
  });
});
