import { randomUUID } from "node:crypto";
import { type BaseEvent, EventType } from "@ag-ui/core";

/**
 * Reads the deprecated THINKING_* events as their REASONING_* equivalents (PROTOCOL.md: "legacy THINKING_*
 * events are read as their REASONING_* equivalents"), with the ids the old events lacked. The same
 * translation as @ag-ui/client's CompatibilityBoundary, without its console warnings; one per stream.
 */
export function legacyThinkingReader(): (event: BaseEvent) => BaseEvent {
  let spanId: string | undefined;
  let messageId: string | undefined;
  return (event) => {
    const fields = event;
    switch (event.type as string) {
      case "THINKING_START": {
        spanId = randomUUID();
        const { title: _title, ...rest } = fields;
        return { ...rest, type: EventType.REASONING_START, messageId: spanId };
      }
      case "THINKING_TEXT_MESSAGE_START":
        messageId = randomUUID();
        return { ...fields, type: EventType.REASONING_MESSAGE_START, messageId, role: "reasoning" };
      case "THINKING_TEXT_MESSAGE_CONTENT":
        return { ...fields, type: EventType.REASONING_MESSAGE_CONTENT, messageId: messageId ?? randomUUID() };
      case "THINKING_TEXT_MESSAGE_END":
        return { ...fields, type: EventType.REASONING_MESSAGE_END, messageId: messageId ?? randomUUID() };
      case "THINKING_END":
        return { ...fields, type: EventType.REASONING_END, messageId: spanId ?? randomUUID() };
      default:
        return event;
    }
  };
}
