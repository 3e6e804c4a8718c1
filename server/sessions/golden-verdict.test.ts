import { describe, expect, it } from "vitest";
import type { SessionEventRecord } from "../store/records";
import { judgeGoldenPath } from "./golden-verdict";

const ev = (type: string, seq: number, at: number, delivered = true): SessionEventRecord => ({
  type,
  seq,
  payload: type === "agent_error" ? { error_code: "TOOL_FAILED" } : {},
  emitted_at_ms: at,
  deliveries: [{ connection_id: "c1", delivered }],
});
const golden = () => [
  ev("agent_started", 1, 1),
  ev("agent_thinking", 2, 2),
  ev("tool_executing", 3, 3),
  ev("tool_completed", 4, 4),
  ev("agent_completed", 5, 5),
];
const judge = (events: SessionEventRecord[], extra: Partial<Parameters<typeof judgeGoldenPath>[0]> = {}) =>
  judgeGoldenPath({ events, endMs: 10, ended: true, gapMs: 15000, isolationViolations: 0, ...extra });

describe("golden-path verdict", () => {
  it("passes the five kinds in order, with thinking repeated between tools", () => {
    expect(judge(golden())).toMatchObject({ passed: true, reasons: [] });
    const twoTools = [
      ...golden().slice(0, 4),
      ev("agent_thinking", 5, 5),
      ev("tool_executing", 6, 6),
      ev("tool_completed", 7, 7),
      ev("agent_completed", 8, 8),
    ];
    expect(judge(twoTools).passed).toBe(true);
  });

  it("names a dropped event as missing, with its seq", () => {
    const events = golden().filter((e) => e.type !== "tool_executing");
    const v = judge(events);
    expect(v.reasons).toContain("missing_event");
    expect(v.details.join(" ")).toMatch(/tool_executing never arrived/);
    expect(v.details.join(" ")).toMatch(/seq 3 never arrived/);
  });

  it("flags out of order, gaps, undelivered, agent errors, isolation and interruption", () => {
    const swapped = golden();
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(judge(swapped).reasons).toContain("out_of_order");
    const late = golden();
    late[4] = ev("agent_completed", 5, 20_000);
    expect(judge(late).reasons).toEqual(["gap"]);
    const lost = golden();
    lost[2] = ev("tool_executing", 3, 3, false);
    expect(judge(lost).reasons).toEqual(["undelivered"]);
    const noConnection = golden();
    noConnection[0] = { ...noConnection[0]!, deliveries: [] };
    expect(judge(noConnection).reasons).toEqual(["undelivered"]);
    const failed = [...golden().slice(0, 4), ev("agent_error", 5, 5)];
    expect(judge(failed).reasons).toEqual(["agent_error"]);
    expect(judge(golden(), { isolationViolations: 1 }).reasons).toEqual(["isolation_violation"]);
    expect(judge(golden().slice(0, 2), { ended: false, endMs: 16_000, interrupted: true }).reasons).toEqual([
      "missing_event",
      "gap",
      "interrupted",
    ]);
  });

  it("counts recovered deliveries as delivered", () => {
    const events = golden();
    events[1] = { ...events[1]!, deliveries: [{ connection_id: "c1", delivered: false, recovered: true }] };
    expect(judge(events).passed).toBe(true);
  });
});

describe("golden-path verdict: dropped tool_executing", () => {
  it("is a missing event, not an ordering problem", () => {
    const events = golden().filter((e) => e.type !== "tool_executing");
    expect(judge(events).reasons).toEqual(["missing_event"]);
  });

  it("flags tool_executing arriving after its tool_completed", () => {
    const g = golden();
    const events = [g[0]!, g[1]!, { ...g[3]!, seq: 3 }, { ...g[2]!, seq: 4 }, g[4]!];
    expect(judge(events).reasons).toContain("out_of_order");
  });
});
