import { contentToText, type RunAgentInput } from "@ag-ui/core";
import { RunAgentInputSchema } from "@ag-ui/core/schemas";
import { SwitchyardError } from "../../../contract";

/** What one AG-UI request asks for: the client's input, the run's content and any fault-injection settings. */
export interface RunRequest {
  input: RunAgentInput;
  /** The text of the last message whose role is `user` (its text parts joined). */
  content: string;
  /** `forwardedProps.switchyard.simulate`, passed on as `payload.simulate` (honoured only under FAULT_INJECTION). */
  simulate?: unknown;
}

/**
 * Reads a request body as an AG-UI `RunAgentInput` with @ag-ui/core's own schema; INVALID_MESSAGE names
 * the first field that does not fit, or says that no user message was sent. The content's length is the
 * router's to check (the same `start_agent` payload rule as on every transport).
 */
export function parseRunRequest(body: Buffer): RunRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new SwitchyardError("INVALID_MESSAGE", "The body is not valid JSON.");
  }
  const parsed = RunAgentInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
    throw new SwitchyardError("INVALID_MESSAGE", `The body is not an AG-UI RunAgentInput: ${where}: ${issue?.message ?? "invalid"}.`);
  }
  const input = parsed.data as RunAgentInput;
  const last = input.messages.findLast((m) => m.role === "user");
  if (!last || last.role !== "user") throw new SwitchyardError("INVALID_MESSAGE", 'The RunAgentInput has no message whose role is "user".');
  const request: RunRequest = { input, content: contentToText(last.content) };
  const simulate = switchyardProps(input.forwardedProps)?.simulate;
  if (simulate !== undefined) request.simulate = simulate;
  return request;
}

/** `forwardedProps.switchyard` when it is an object. */
function switchyardProps(forwarded: unknown): Record<string, unknown> | undefined {
  if (typeof forwarded !== "object" || forwarded === null) return undefined;
  const own = (forwarded as Record<string, unknown>).switchyard;
  return typeof own === "object" && own !== null ? (own as Record<string, unknown>) : undefined;
}
