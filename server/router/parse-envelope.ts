import { type Envelope, EnvelopeSchema, MAX_ID_LENGTH, MAX_TYPE_LENGTH, SwitchyardError } from "../../contract";
import { truncate } from "../text/unicode";
import { RefusedFrame } from "../transport/refused-frame";
import { measureEnvelope } from "./envelope-size";

const MAX_PAYLOAD_DEPTH = 32;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)
  );
}

/** The `type` a raw message claims, for the `received` trace before anything is validated. */
export function peekType(raw: unknown): string | undefined {
  if (raw instanceof RefusedFrame) return peekType(raw.head);
  return isPlainObject(raw) && typeof raw.type === "string" ? truncate(raw.type, MAX_TYPE_LENGTH) : undefined;
}

/** The `message_id` a raw message carries, if usable as an idempotency key. */
export function peekMessageId(raw: unknown): string | undefined {
  if (raw instanceof RefusedFrame) return peekMessageId(raw.head);
  return isPlainObject(raw) && typeof raw.message_id === "string" && raw.message_id.length <= MAX_ID_LENGTH ? raw.message_id : undefined;
}

/** The message of each envelope field's refusal, by the field zod names. */
const FIELD_ERRORS: Record<string, string> = {
  type: `\`type\` must be a string of 1 to ${MAX_TYPE_LENGTH} characters.`,
  message_id: `\`message_id\` must be a string of 1 to ${MAX_ID_LENGTH} characters.`,
  thread_id: `\`thread_id\` must be a string of 1 to ${MAX_ID_LENGTH} characters.`,
  run_id: `\`run_id\` must be a string of 1 to ${MAX_ID_LENGTH} characters.`,
  payload: "`payload` must be an object.",
};

/**
 * The envelope of a raw client message, or the refusal: size first (PAYLOAD_TOO_LARGE, measured
 * without building JSON; a frame the transport refused to decode by its length is the same refusal),
 * then payload depth, then the contract's EnvelopeSchema (INVALID_MESSAGE).
 */
export function parseEnvelope(raw: unknown, maxBytes: number): Envelope | SwitchyardError {
  if (raw instanceof RefusedFrame) return refusedFrame(raw, maxBytes);
  const m = measureEnvelope(raw);
  if (m.jsonBytes + m.binaryBytes > maxBytes) return tooLarge(m.jsonBytes + m.binaryBytes, maxBytes);
  if (m.payloadDepth > MAX_PAYLOAD_DEPTH) {
    return new SwitchyardError("INVALID_MESSAGE", `The payload nests ${m.payloadDepth} levels deep; the limit is ${MAX_PAYLOAD_DEPTH}.`);
  }
  if (!isPlainObject(raw)) return new SwitchyardError("INVALID_MESSAGE", "A message must be an object with a string `type`.");
  const parsed = EnvelopeSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const field = String(parsed.error.issues[0]?.path[0] ?? "type");
  return new SwitchyardError("INVALID_MESSAGE", FIELD_ERRORS[field] ?? FIELD_ERRORS.type!);
}

function tooLarge(bytes: number, maxBytes: number): SwitchyardError {
  return new SwitchyardError("PAYLOAD_TOO_LARGE", `The envelope is ${bytes} bytes; the limit is ${maxBytes}.`);
}

/** A frame the transport did not decode: too large first, else more than the one binary attachment accepted. */
function refusedFrame(frame: RefusedFrame, maxBytes: number): SwitchyardError {
  if (frame.bytes > maxBytes) return tooLarge(frame.bytes, maxBytes);
  return new SwitchyardError(
    "INVALID_MESSAGE",
    `A message may carry at most one binary attachment; this one carried ${frame.attachments}.`,
  );
}
