import { truncate } from "../../text/unicode";

/** Text kept per tool call's arguments (and per reasoning message): an agent cannot grow one without bound. */
export const MAX_BUFFERED_CHARS = 256 * 1024;

interface OpenCall {
  name: string;
  args: string[];
  length: number;
  /** When TOOL_CALL_END came (ms, run clock): a result's duration is measured from it. */
  endedAt?: number;
}

/** A finished call as `tool_executing` announces it. */
export interface ExecutedCall {
  name: string;
  parameters: Record<string, unknown>;
}

/**
 * The tool calls of one AG-UI run: names and streamed arguments from TOOL_CALL_START/ARGS until END
 * (when `tool_executing` goes out), then the time of the END until the call's TOOL_CALL_RESULT.
 */
export class ToolCallLedger {
  readonly #calls = new Map<string, OpenCall>();

  start(toolCallId: string, name: string): void {
    this.#calls.set(toolCallId, { name, args: [], length: 0 });
  }

  appendArgs(toolCallId: string, delta: string): void {
    const call = this.#calls.get(toolCallId);
    if (!call || call.length >= MAX_BUFFERED_CHARS) return;
    const part = truncate(delta, MAX_BUFFERED_CHARS - call.length);
    call.args.push(part);
    call.length += part.length;
  }

  /** The call's end: its name and parsed arguments. */
  end(toolCallId: string, now: number): ExecutedCall {
    const call = this.#calls.get(toolCallId) ?? { name: "unknown", args: [], length: 0 };
    call.endedAt = now;
    this.#calls.set(toolCallId, call);
    return { name: call.name, parameters: parseParameters(call.args.join("")) };
  }

  /** The call a result answers: its name and the ms since its end (0 when it never ended). */
  answer(toolCallId: string, now: number): { name: string; durationMs: number } {
    const call = this.#calls.get(toolCallId);
    this.#calls.delete(toolCallId);
    const durationMs = call?.endedAt === undefined ? 0 : Math.max(0, Math.round(now - call.endedAt));
    return { name: call?.name ?? "unknown", durationMs };
  }
}

/** Tool arguments as `parameters`: the JSON object they hold, `{}` when empty, else `{raw}`. */
export function parseParameters(args: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Not JSON: passed on as it came.
  }
  return { raw: args };
}

/** A TOOL_CALL_RESULT's content as `results`: the JSON it holds when it is JSON text, else as it came. */
export function parseResults(content: unknown): unknown {
  if (typeof content !== "string") return content;
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return content;
  }
}
