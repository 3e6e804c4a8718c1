// The events of one `streamer` run (the built-in streaming agent) for a prompt, captured once by running
// the agent itself with a context that records what it emits. The raw bench server replays them, so
// that A sends the same chunks (same count, same text) as B's streamer does for the same prompt.
import { BuiltinAgent } from "../../../server/agent/builtin-agent";
import type { AgentRunContext } from "../../../server/agent/agent-runner";
import type { AgentEventType } from "../../../contract/run-events";
import type { ServerEventPayloads } from "../../../contract/server-events";

/** One run event as the agent emitted it (seq and ids are added by whoever sends it). */
export interface ScriptedEvent {
  type: AgentEventType;
  payload: ServerEventPayloads[AgentEventType];
}

/** Runs the streamer once on `content` (tools included, no delays) and returns its events in order. */
export async function streamerScript(content: string): Promise<ScriptedEvent[]> {
  const events: ScriptedEvent[] = [];
  const noop = () => undefined;
  const ctx = {
    runId: "run_script",
    threadId: "thr_script",
    userId: "bench",
    content,
    agentName: "streamer",
    faults: {},
    signal: new AbortController().signal,
    history: () => Promise.resolve([]),
    emit: (type: AgentEventType, payload: ServerEventPayloads[AgentEventType]) => void events.push({ type, payload }),
    ignored: noop,
    sleep: () => Promise.resolve(),
    now: () => performance.now(),
    logger: { debug: noop, info: noop, warn: noop, error: noop, child: () => ctx.logger },
  } as unknown as AgentRunContext;
  await new BuiltinAgent("streamer", { stream: true }).run(ctx);
  return events;
}
