import { transformChunks, transformHttpEventStream, verifyEvents } from "@ag-ui/client";
import { type BaseEvent, EventType } from "@ag-ui/core";
import { EventSchema } from "@ag-ui/core/schemas";
import { filter, map, type Observable, tap } from "rxjs";
import { AgentFailure } from "../agent-failure";
import type { HttpEvent } from "./http-source";
import { legacyThinkingReader } from "./legacy-thinking";

const KNOWN_TYPES: ReadonlySet<string> = new Set<string>(Object.values(EventType));

/** What the stream reports besides its events. */
export interface EventStreamHooks {
  /** Every event the agent sent, before any check (the idle timeout counts them all). */
  onEvent(): void;
  /** An event whose type AG-UI does not define: it maps to nothing and is counted. */
  onUnknownType(type: string): void;
}

/**
 * The agent's SSE answer as checked AG-UI events, with @ag-ui/client's own stages in its own order:
 * `transformHttpEventStream` (SSE framing, JSON), legacy THINKING_* read as REASONING_*, each event
 * against @ag-ui/core's `EventSchema`, `transformChunks` (TEXT/TOOL_CALL/REASONING chunks expanded to
 * start/content/end) and `verifyEvents` (AG-UI's ordering rules, which throw AGUIError).
 */
export function agUiEvents(http$: Observable<HttpEvent>, hooks: EventStreamHooks): Observable<BaseEvent> {
  return transformHttpEventStream(http$, false).pipe(
    tap(() => hooks.onEvent()),
    map(legacyThinkingReader()),
    filter((event) => {
      if (KNOWN_TYPES.has(event.type)) return true;
      hooks.onUnknownType(String(event.type));
      return false;
    }),
    map(checkedEvent),
    transformChunks(false),
    verifyEvents(false),
  );
}

/** One event as @ag-ui/core's schema reads it; an event that does not fit is a protocol error. */
function checkedEvent(event: BaseEvent): BaseEvent {
  const parsed = EventSchema.safeParse(event);
  if (!parsed.success) {
    throw new AgentFailure("AGENT_PROTOCOL_ERROR", `The agent sent a ${event.type} event that does not fit the AG-UI schema.`, "schema");
  }
  return parsed.data;
}
