import { Subscription } from "rxjs";
import type { AgentRunContext } from "../agent-runner";
import { AgentFailure } from "../agent-failure";
import { type ClassifiedFailure, classifyStreamError } from "./agent-failure";
import { agUiEvents } from "./event-stream";
import { agentHttpEvents } from "./http-source";
import type { RunEventMapper } from "./run-event-mapper";

/** How one request to the agent ended. */
export type AttemptOutcome = { kind: "ended" } | { kind: "aborted" } | ({ kind: "failed" } & ClassifiedFailure);

export interface AttemptInput {
  ctx: AgentRunContext;
  mapper: RunEventMapper;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Longest silence between two events, in ms. */
  timeoutMs: number;
  /** The first event must come by this time (Date.now() ms): timeout_ms from the run's first request. */
  firstEventBy: number;
}

/**
 * One POST to the agent, read until the run's terminal event. Ends early, closing the connection at
 * once, when the run is stopped (ctx.signal), when nothing arrives for timeout_ms (AGENT_TIMEOUT), or
 * when the stream fails or ends too soon (the failure classified, and whether a retry may follow).
 */
export function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const { ctx, mapper, timeoutMs } = input;
  return new Promise<AttemptOutcome>((resolve) => {
    if (ctx.signal.aborted) return resolve({ kind: "aborted" });
    const request = new AbortController();
    // Closed on settle; a subscription added after that is closed at once.
    const subscription = new Subscription();
    let timer: NodeJS.Timeout | undefined;
    let sawEvent = false;
    let settled = false;

    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onStop);
      subscription.unsubscribe();
      request.abort();
      resolve(outcome);
    };
    const fail = (failure: AgentFailure) => settle({ kind: "failed", failure, retryable: false });
    const onStop = () => settle({ kind: "aborted" });
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(
        () => fail(new AgentFailure("AGENT_TIMEOUT", `The agent sent no event for ${timeoutMs} ms.`, "timeout")),
        Math.max(0, ms),
      );
    };

    ctx.signal.addEventListener("abort", onStop, { once: true });
    arm(input.firstEventBy - Date.now());
    const http$ = agentHttpEvents({ url: input.url, headers: input.headers, body: input.body, signal: request.signal });
    const events$ = agUiEvents(http$, {
      onEvent: () => {
        sawEvent = true;
        arm(timeoutMs);
      },
      onUnknownType: (type) => ctx.ignored(type),
    });
    subscription.add(
      events$.subscribe({
        next: (event) => {
          try {
            if (mapper.take(event)) settle({ kind: "ended" });
          } catch (err) {
            // Our own failure while mapping, not the agent's: logged by kind, the run fails plainly.
            ctx.logger.warn({ err_name: (err as Error | undefined)?.name }, "ag-ui event mapping failed");
            fail(new AgentFailure("AGENT_FAILED", "The agent's event could not be handled.", "mapping"));
          }
        },
        error: (err: unknown) => {
          if (ctx.signal.aborted) return settle({ kind: "aborted" });
          settle({ kind: "failed", ...classifyStreamError(err, sawEvent) });
        },
        complete: () =>
          fail(new AgentFailure("AGENT_STREAM_TRUNCATED", "The agent's stream ended before RUN_FINISHED or RUN_ERROR.", "truncated")),
      }),
    );
  });
}
