import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../contract";
import { packTraces, unpackTraces } from "./packed-traces";

const event = (over: Partial<TraceEvent>): TraceEvent => ({
  id: "ab12.1",
  trace_id: "ab12-1",
  ts: 1_796_000_000_123,
  node_id: "node-a",
  kind: "received",
  user_id: undefined,
  connection_id: undefined,
  message_type: undefined,
  handler: undefined,
  run_id: undefined,
  thread_id: undefined,
  duration_ms: undefined,
  error: undefined,
  ...over,
});

describe("packed trace batches", () => {
  it("come back field for field: absent fields, errors, durations, repeated and hostile strings", () => {
    const events: TraceEvent[] = [
      event({}),
      event({
        id: "ab12.2",
        kind: "routed",
        user_id: "u-1",
        connection_id: "c-1",
        message_type: "user_message",
        run_id: "run_1",
        thread_id: "thr_1",
      }),
      event({ id: "ab12.3", kind: "handler_finished", user_id: "u-1", handler: "user_message", duration_ms: 0.25 }),
      event({
        id: "ab12.4",
        kind: "rejected",
        user_id: "u-2",
        message_type: "nope\u0000x\ud800",
        error: { code: "UNKNOWN_TYPE", message: "" },
      }),
      event({
        id: "ab12.5",
        kind: "rejected",
        user_id: "😀",
        error: { code: "INVALID_PAYLOAD", message: "content: required ✓" },
        duration_ms: 0,
      }),
      event({ id: "", trace_id: "", user_id: "" }),
    ];
    const packed = packTraces(events);
    expect(unpackTraces(structuredClone(packed))).toEqual(events);
  });

  it("keeps each distinct string once", () => {
    const events = Array.from({ length: 100 }, (_, i) => event({ id: `ab12.${i}`, user_id: "u-same", run_id: "run_same" }));
    const packed = packTraces(events);
    expect(packed.lengths.length).toBe(5); // trace id, node id, kind, user id, run id
    expect(unpackTraces(packed)).toEqual(events);
  });

  it("packs an empty batch", () => {
    expect(unpackTraces(packTraces([]))).toEqual([]);
  });
});
