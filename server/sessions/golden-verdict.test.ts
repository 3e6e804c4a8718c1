import { describe, expect, it } from "vitest";
import type { SessionEventRecord } from "../store/records";
import { judgeGoldenPath } from "../../contract";

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

describe("verdict for agents that are not strict", () => {
  const tool = (type: "tool_executing" | "tool_completed", seq: number, id: string): SessionEventRecord => ({
    ...ev(type, seq, seq),
    payload: { tool_call_id: id, tool_name: "search" },
  });
  const relaxed = (events: SessionEventRecord[]) => judge(events, { strict: false });

  it("passes a run that answers with text only (no thinking, no tools)", () => {
    const events = [
      ev("agent_started", 1, 1),
      ev("agent_response_chunk", 2, 2),
      ev("agent_response_chunk", 3, 3),
      ev("agent_completed", 4, 4),
    ];
    expect(relaxed(events)).toMatchObject({ passed: true, reasons: [] });
    // The same run is missing three kinds for a strict agent.
    expect(judge(events).reasons).toContain("missing_event");
  });

  it("needs every tool call answered by the same tool_call_id before the end: unpaired_tool_call", () => {
    const answered = [
      ev("agent_started", 1, 1),
      tool("tool_executing", 2, "a"),
      tool("tool_completed", 3, "a"),
      ev("agent_completed", 4, 4),
    ];
    expect(relaxed(answered).passed).toBe(true);
    const unanswered = [ev("agent_started", 1, 1), tool("tool_executing", 2, "a"), ev("agent_completed", 3, 3)];
    const v = relaxed(unanswered);
    expect(v.reasons).toEqual(["unpaired_tool_call"]);
    expect(v.details.join(" ")).toMatch(/tool call a \(search\) was never answered/);
    const wrongId = [
      ev("agent_started", 1, 1),
      tool("tool_executing", 2, "a"),
      tool("tool_completed", 3, "b"),
      ev("agent_completed", 4, 4),
    ];
    expect(relaxed(wrongId).reasons).toEqual(["unpaired_tool_call"]);
  });

  it("wants agent_started first and nothing after agent_completed", () => {
    expect(relaxed([ev("agent_response_chunk", 1, 1), ev("agent_started", 2, 2), ev("agent_completed", 3, 3)]).reasons).toEqual([
      "out_of_order",
    ]);
    expect(relaxed([ev("agent_started", 1, 1), ev("agent_completed", 2, 2), ev("agent_response_chunk", 3, 3)]).reasons).toEqual([
      "out_of_order",
    ]);
    expect(relaxed([ev("agent_started", 1, 1)]).reasons).toEqual(["missing_event"]);
  });

  it("keeps the gap, seq, delivery and error rules of every run", () => {
    expect(relaxed([ev("agent_started", 1, 1), ev("agent_completed", 3, 3)]).reasons).toEqual(["missing_event"]);
    expect(relaxed([ev("agent_started", 1, 1), ev("agent_completed", 2, 20_000)]).reasons).toEqual(["gap"]);
    expect(relaxed([ev("agent_started", 1, 1), ev("agent_completed", 2, 2, false)]).reasons).toEqual(["undelivered"]);
    expect(relaxed([ev("agent_started", 1, 1), ev("agent_error", 2, 2)]).reasons).toEqual(["agent_error"]);
  });
});
