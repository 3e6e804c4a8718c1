/**
 * `switchyard/client`: a typed client of Switchyard's chat namespace. It imports only the zod-free files
 * of the contract (zod-using ones as types only), so it bundles small for browsers.
 */
export { SwitchyardClient } from "./client";
export { AckRefusedError, AckTimeoutError, ClientClosedError, ConnectError } from "./errors";
export type { AnyHandler, EventHandler } from "./listeners";
export { RunHandle, type RunConnection, type RunOptions, type RunState } from "./run-handle";
export { judgeRun, type ClientVerdict, type ReceivedEvent, type RunRecord, type VerdictOptions } from "./run-verdict";
export { SeqTracker, type RunGap, type SeqOutcome } from "./seq-tracker";
export type {
  AliasType,
  CanonicalOf,
  ChatSocket,
  ClientOptions,
  ConnectionInfo,
  MessageIds,
  SendArgs,
  SendPayload,
  SendType,
} from "./types";
export type { Ack } from "../../contract/ack";
export type { AnyServerEvent, HistoryMessage, ServerEvent, ServerEventPayloads, ServerType } from "../../contract/server-events";
export type { Verdict, VerdictReason } from "../../contract/sessions";
