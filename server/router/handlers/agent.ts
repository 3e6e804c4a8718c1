import { SwitchyardError } from "../../../contract";
import { truncate } from "../../text/unicode";
import { defineHandler, type HandlerFamily, type HandlerResult, type RequestContext } from "../handler-types";

/** Earlier messages of the thread an external agent receives with a run. */
const HISTORY_TURNS = 50;

/**
 * Starts a run for the requesting user: creates the thread when none is given, then runs the agent. The
 * ack waits for the commit of the user's message (and of the thread it created); the run's events
 * begin after the ack, as always.
 */
async function startRun(ctx: RequestContext, content: string, agentName: string | undefined): Promise<HandlerResult> {
  // Fault injection: the handler fails before any run starts (no session is created).
  if (ctx.faults?.throw) throw new Error("simulated handler failure");
  const { agents, threads, runs } = ctx.services;
  const agent = agents.get(agentName);
  if (!agent) throw new SwitchyardError("NOT_FOUND", `No agent named "${agentName}". Available: ${agents.names().join(", ")}.`);
  if (agent.maxConcurrentRuns !== null && runs.runningCount(agent.name) >= agent.maxConcurrentRuns) {
    throw new SwitchyardError(
      "RATE_LIMITED",
      `Agent "${agent.name}" is running its most runs at once (${agent.maxConcurrentRuns}); try again shortly.`,
    );
  }
  const userId = ctx.conn.userId;
  const rawPayload = ctx.envelope.payload ?? {};
  let threadId = ctx.envelope.thread_id ?? (typeof rawPayload.thread_id === "string" ? rawPayload.thread_id : undefined);
  const commits: Promise<void>[] = [];
  if (!threadId) {
    const { record: thread, committed } = threads.create(userId, truncate(content, 80));
    threadId = thread.id;
    commits.push(committed);
    ctx.toUser("thread_created", { thread_id: thread.id, title: thread.title }, { thread_id: thread.id });
  }
  let ackNow = () => undefined as void;
  const acked = new Promise<void>((resolve) => (ackNow = resolve));
  const run = runs.start({
    userId,
    threadId,
    traceId: ctx.traceId,
    content,
    agent,
    faults: ctx.faults ?? {},
    history: async (runId) => {
      const messages = await threads.history(threadId, HISTORY_TURNS);
      return messages.filter((m) => m.runId !== runId).map((m) => ({ id: m.id, role: m.role, content: m.content }));
    },
    inbound: { type: ctx.type, message_id: ctx.messageId, payload: rawPayload },
    acked,
  });
  try {
    commits.push(threads.append({ threadId, userId, runId: run.id, role: "user", content }).committed);
    await threads.untilCommitted(...commits);
  } finally {
    ackNow();
  }
  return { run_id: run.id, thread_id: threadId };
}

/** user_message / start_agent / stop_agent / agent_status_request. */
export const agentHandlers: HandlerFamily = {
  source: "agent",
  handlers: [
    defineHandler({
      type: "user_message",
      handler: "AgentHandler.userMessage",
      startsRun: true,
      handle: (ctx, payload) => startRun(ctx, payload.content, undefined),
    }),
    defineHandler({
      type: "start_agent",
      handler: "AgentHandler.startAgent",
      startsRun: true,
      handle: (ctx, payload) => startRun(ctx, payload.content, payload.agent_name),
    }),
    defineHandler({
      type: "stop_agent",
      handler: "AgentHandler.stopAgent",
      handle: (ctx, payload) => {
        // Stopping a run that already ended is a no-op: the ack is ok and no event follows.
        ctx.services.runs.requestStop(payload.run_id, { type: ctx.type, message_id: ctx.messageId, payload: { run_id: payload.run_id } });
        return { run_id: payload.run_id };
      },
    }),
    defineHandler({
      type: "agent_status_request",
      handler: "AgentHandler.status",
      handle: async (ctx, payload) => {
        const run = await ctx.services.runs.describe(payload.run_id);
        if (!run) throw new SwitchyardError("NOT_FOUND", `No run ${payload.run_id}.`);
        ctx.services.runs.noteInbound(payload.run_id, { type: ctx.type, message_id: ctx.messageId, payload: { run_id: payload.run_id } });
        ctx.toUser(
          "agent_status_update",
          { run_id: payload.run_id, status: run.status, events_emitted: run.eventsEmitted },
          { run_id: payload.run_id },
        );
        return { run_id: payload.run_id };
      },
    }),
  ],
};
