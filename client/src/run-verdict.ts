import { judgeGoldenPath } from "../../contract/golden-verdict";
import { isTerminalType } from "../../contract/run-events";
import type { AnyServerEvent } from "../../contract/server-events";
import type { SessionEvent, SessionStatus, Verdict } from "../../contract/sessions";

/** One event of a run as the client received it. */
export interface ReceivedEvent {
  event: AnyServerEvent;
  /** `Date.now()` when it arrived. */
  receivedAt: number;
}

/** How the client judges a run (the server's defaults: strict, `GOLDEN_GAP_MS` 15 s). */
export interface VerdictOptions {
  /** All five golden-path kinds in order (built-in agents); false for the relaxed rule of external agents. */
  strict?: boolean;
  /** The longest silence allowed between two events, in ms. */
  gapMs?: number;
}

/** The client's verdict: the server's shape, plus the status a session would have. */
export type ClientVerdict = Verdict & { details: string[]; status: SessionStatus };

/** What the verdict needs to know of a run. */
export interface RunRecord {
  startedAt: number;
  endedAt?: number;
  events: readonly ReceivedEvent[];
  connectionId: string;
  userId: string;
  /** The run ended without its last event (the connection came back without recovery and the run was over). */
  interrupted?: boolean;
}

/**
 * Judges a run as received with the server's own judge (`judgeGoldenPath`): times are the client's
 * receive times from the moment the run was sent, each event counts as delivered to this connection,
 * and an event of the run addressed to another user is an isolation violation.
 */
export function judgeRun(run: RunRecord, options: VerdictOptions = {}): ClientVerdict {
  const end = run.events.find((r) => isTerminalType(r.event.type));
  if (end?.event.type === "agent_completed" && end.event.payload.status === "cancelled") {
    return { passed: false, reasons: [], details: ["stopped by stop_agent"], status: "cancelled" };
  }
  const events: SessionEvent[] = run.events
    .filter((r) => r.event.seq !== undefined)
    .map(({ event, receivedAt }) => ({
      type: event.type,
      seq: event.seq,
      payload: event.payload,
      emitted_at_ms: receivedAt - run.startedAt,
      deliveries: [{ connection_id: run.connectionId, delivered: true }],
    }));
  const verdict = judgeGoldenPath({
    events,
    endMs: (run.endedAt ?? Date.now()) - run.startedAt,
    ended: run.endedAt !== undefined,
    gapMs: options.gapMs ?? 15_000,
    isolationViolations: run.events.filter((r) => r.event.user_id !== null && r.event.user_id !== run.userId).length,
    interrupted: run.interrupted,
    strict: options.strict ?? true,
  });
  const status: SessionStatus = run.endedAt === undefined ? "running" : verdict.passed ? "passed" : "failed";
  return { ...verdict, status };
}
