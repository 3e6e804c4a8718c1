import type { ComparableEvent, ReplayDiff, ReplayFaults, ReplayResult } from "../../contract";
import type { Config } from "../env";
import type { Logger } from "../logger";
import type { ReplayRecord, SessionRecord } from "../store/records";
import { type ReplayOptions, replaySession } from "./replay-engine";

/** Where replays are kept (the Prisma persistence). */
export interface ReplayStore {
  saveReplay(r: ReplayRecord): Promise<void>;
  listReplays(sessionId: string, limit: number): Promise<ReplayRecord[]>;
}

/** Replays a session and keeps the outcome in the session's replay history. */
export async function replayAndStore(
  session: SessionRecord,
  faults: ReplayFaults,
  config: Config,
  logger: Logger,
  store: ReplayStore,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const outcome = await replaySession(session, faults, config, logger, options);
  await store.saveReplay({
    id: outcome.replay_id,
    sessionId: session.id,
    faults,
    passed: outcome.verdict.passed,
    reasons: outcome.verdict.reasons,
    diff: outcome.diff,
    events: { events: outcome.events, details: outcome.verdict.details, agent: outcome.agent },
    createdAt: Date.parse(outcome.created_at),
  });
  return outcome;
}

/** A stored replay as GET /api/sessions/:id/replays shows it. */
export function replayView(r: ReplayRecord): ReplayResult {
  const extra = r.events as { events?: ComparableEvent[]; details?: string[]; agent?: ReplayResult["agent"] } | null;
  return {
    replay_id: r.id,
    session_id: r.sessionId,
    faults: r.faults,
    verdict: { passed: r.passed, reasons: r.reasons, details: extra?.details ?? [] },
    diff: r.diff as ReplayDiff,
    events: extra?.events ?? [],
    agent: extra?.agent ?? null,
    created_at: new Date(r.createdAt).toISOString(),
  };
}
