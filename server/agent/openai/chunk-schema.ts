import { z } from "zod";

const ToolCallDelta = z.object({
  index: z.number().int().min(0).max(127),
  id: z.string().max(256).nullish(),
  type: z.string().nullish(),
  function: z.object({ name: z.string().max(256).nullish(), arguments: z.string().nullish() }).nullish(),
});

const Choice = z.object({
  index: z.number().int().min(0),
  delta: z
    .object({
      role: z.string().nullish(),
      content: z.string().nullish(),
      tool_calls: z.array(ToolCallDelta).nullish(),
    })
    .nullish(),
  finish_reason: z.string().nullish(),
});

/**
 * The parts of a `chat.completion.chunk` Switchyard reads; an event that does not fit is
 * AGENT_PROTOCOL_ERROR. Lenient where compatible servers differ (nullish fields, extra fields).
 */
export const ChatChunkSchema = z.object({
  object: z.literal("chat.completion.chunk").optional(),
  choices: z.array(Choice),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }).nullish(),
});
/** One streamed fragment of a tool call. */
export type ToolCallFragment = z.output<typeof ToolCallDelta>;
