/** The `type` and `message_id` a refused frame named at its top level, read without parsing the frame. */
export interface FrameHead {
  type?: unknown;
  message_id?: unknown;
}

/**
 * What a transport hands the router in place of a client frame it refused to decode: a frame over
 * `MAX_MESSAGE_BYTES` (never parsed, so never walked), or a Socket.IO frame with more than one binary
 * attachment (the attachments counted, never kept). The router answers it like any other refused
 * envelope (`parseEnvelope`: PAYLOAD_TOO_LARGE over the limit, else INVALID_MESSAGE), traced and counted
 * the same, with the `type` and `message_id` of its head in the traces and the ack. A client cannot
 * forge one: decoded JSON is made of plain objects only.
 */
export class RefusedFrame {
  constructor(
    /** The frame's size as the contract counts it: UTF-8 bytes of the envelope's JSON plus attachment bytes. */
    readonly bytes: number,
    /** The binary attachments the frame carried (at most one is accepted). */
    readonly attachments: number,
    readonly head: FrameHead,
  ) {}
}
