import type { ToolCallFragment } from "./chunk-schema";

/** One tool call of a model turn, whole: its id, function name and JSON argument text. */
export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Most tool calls one model turn may make (more is AGENT_PROTOCOL_ERROR). */
export const MAX_TOOL_CALLS_PER_TURN = 32;
/** Most argument text one tool call may stream (in UTF-16 units). */
export const MAX_ARGUMENT_CHARS = 256 * 1024;

/**
 * Assembles the tool calls streamed in `delta.tool_calls` by their `index`: the id and name from the
 * first fragment that has them (a repeated name is not appended), the argument fragments in order.
 */
export class ToolCallAssembler {
  readonly #calls = new Map<number, AssembledToolCall>();

  /** Adds one fragment; false when the turn passes the bounds above. */
  add(fragment: ToolCallFragment): boolean {
    let call = this.#calls.get(fragment.index);
    if (!call) {
      if (this.#calls.size >= MAX_TOOL_CALLS_PER_TURN) return false;
      call = { id: "", name: "", arguments: "" };
      this.#calls.set(fragment.index, call);
    }
    if (fragment.id && !call.id) call.id = fragment.id;
    const name = fragment.function?.name;
    if (name && name !== call.name) call.name += name;
    const args = fragment.function?.arguments;
    if (args) {
      if (call.arguments.length + args.length > MAX_ARGUMENT_CHARS) return false;
      call.arguments += args;
    }
    return true;
  }

  /** The calls by index; one without an id gets `fallbackId(index)`. */
  calls(fallbackId: (index: number) => string): AssembledToolCall[] {
    return [...this.#calls.entries()].sort(([a], [b]) => a - b).map(([index, call]) => ({ ...call, id: call.id || fallbackId(index) }));
  }
}
