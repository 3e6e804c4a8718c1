import { randomUUID } from "node:crypto";
import type { AgentDeclaration, ReplayAgentMode, ReplayFaults, ReplayResult, ServerEvent } from "../../contract";
import { type AgentEntry, verdictSettings } from "../agent/agent-catalog";
import type { Config } from "../env";
import type { Logger } from "../logger";
import { createRouterCore } from "../router-core";
import { judgeGoldenPath } from "../../contract";
import { MemoryStore } from "../store/memory-store";
import type { SessionEventRecord, SessionRecord } from "../store/records";
import type { Connection } from "../transport/connection-registry";
import type { EventWriter } from "../transport/event-writer";
import { comparable, diffEvents } from "./event-diff";
import { RecordedAgent } from "./recorded-agent";
import { settle, VirtualClock } from "./virtual-clock";

/** Collects what the sandbox writes to the replay's virtual connection. */
class CollectingWriter implements EventWriter {
  readonly events: ServerEvent[] = [];
  write(event: ServerEvent, onAck?: () => void): void {
    this.events.push(event);
    onAck?.();
  }
  queuedBytes(): number {
    return 0;
  }
  close(): void {}
}

/** Which agents a replay may run, and how it runs the session's agent. */
export interface ReplayOptions {
  /** The node's declared agents (for `live` replays of external agents). */
  agents?: AgentDeclaration[];
  /** `recorded` (default for external agents) or `live`; built-in agents always replay live. */
  agent?: ReplayAgentMode;
}

/** Built-in runs replay live (deterministic anyway); external ones recorded unless `live` is asked for. */
export function replayMode(session: SessionRecord, asked: ReplayAgentMode | undefined): ReplayAgentMode {
  if (session.agentKind === "builtin") return "live";
  return asked ?? "recorded";
}

/** The recorded stream as the sandbox's agent, with the verdict settings the node declares for it. */
function recordedEntry(session: SessionRecord, agents: AgentDeclaration[], goldenGapMs: number): AgentEntry {
  const decl = agents.find((d) => d.name === session.agentName);
  return {
    runner: new RecordedAgent(session.agentName, session.agentKind, session.events),
    name: session.agentName,
    kind: session.agentKind,
    ...verdictSettings(session.agentKind, decl, goldenGapMs),
    maxConcurrentRuns: null,
  };
}

/** Virtual time allowed after the last inbound message for the run to finish (covers delay_ms <= 60 s). */
const SETTLE_LIMIT_MS = 120_000;

/**
 * Re-runs a recorded session's inbound messages through a fresh router core (the same handlers,
 * middleware and agent as the live node) in a sandbox: an in-memory store, a virtual clock, and one
 * virtual connection for a replay identity, so nothing reaches a real socket or counts as anyone's
 * traffic. Then diffs the replayed events against the recording and judges them against the golden path.
 */
export async function replaySession(
  session: SessionRecord,
  faults: ReplayFaults,
  config: Config,
  logger: Logger,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const replayId = `rpl_${randomUUID()}`;
  const clock = new VirtualClock(session.startedAt);
  const store = new MemoryStore();
  const agents = options.agents ?? [];
  const mode = replayMode(session, options.agent);
  const core = createRouterCore({
    config: { ...config, NODE_ID: `replay:${config.NODE_ID}`, RATE_LIMIT_PER_S: 1_000_000, RATE_LIMIT_BURST: 1_000_000 },
    logger: logger.child({ replay_id: replayId }),
    store,
    clock,
    faultPolicy: () => faults === "recorded",
    agents,
    agentOverrides: mode === "recorded" ? [recordedEntry(session, agents, config.GOLDEN_GAP_MS)] : [],
  });
  const writer = new CollectingWriter();
  const identity = `replay-${session.userId}`.slice(0, 128);
  const conn: Connection = {
    id: `replay-conn-${replayId}`,
    userId: identity,
    role: "user",
    nodeId: "replay",
    // The sandbox's virtual connection stands for the recorded client, which spoke Socket.IO or alike.
    transport: "socket.io",
    connectedAt: clock.now(),
    lastActivity: clock.now(),
    acks: false,
    writer,
  };
  core.connections.add(conn);

  let replayRunId: string | undefined;
  try {
    for (const inbound of [...session.inbound].sort((a, b) => a.at_ms - b.at_ms)) {
      await clock.advanceTo(session.startedAt + inbound.at_ms);
      const payload: Record<string, unknown> = structuredClone(inbound.payload);
      if (faults === "none") delete payload.simulate;
      delete payload.thread_id;
      if (payload.run_id === session.id && replayRunId) payload.run_id = replayRunId;
      const ack = await core.router.routeAsync(conn, { type: inbound.type, payload });
      if (!replayRunId && ack.ok && ack.run_id) replayRunId = ack.run_id;
      await settle();
    }
    await clock.runUntilIdle(SETTLE_LIMIT_MS);
  } finally {
    core.close();
  }

  const replayed = replayRunId ? store.sessions.get(replayRunId) : undefined;
  const events: SessionEventRecord[] = replayed?.events ?? [];
  const agent = core.agents.get(session.agentName);
  const verdict = replayed
    ? judgeGoldenPath({
        events,
        endMs: (replayed.endedAt ?? clock.now()) - replayed.startedAt,
        ended: replayed.endedAt !== null,
        gapMs: agent?.gapMs ?? config.GOLDEN_GAP_MS,
        isolationViolations: 0,
        strict: agent?.strict ?? true,
      })
    : { passed: false, reasons: ["missing_event" as const], details: ["the replay started no run"] };
  return {
    replay_id: replayId,
    session_id: session.id,
    faults,
    verdict,
    diff: diffEvents(session.events, events),
    events: events.map(comparable),
    agent: {
      name: session.agentName,
      version: mode === "recorded" ? session.agentVersion : (agent?.runner.version ?? "unavailable"),
      recorded_version: session.agentVersion,
      mode,
    },
    created_at: new Date().toISOString(),
  };
}
