import { type TraceEvent, type TraceKind } from "../../contract";
import type { Prisma } from "@prisma/client";
import type { MessageRecord, SessionRecord, ThreadRecord } from "./records";

type SessionRow = Prisma.SessionGetPayload<object>;
type TraceRow = Prisma.TraceGetPayload<object>;
type MessageRow = Prisma.MessageGetPayload<object>;
type ThreadRow = Prisma.ThreadGetPayload<object>;

/** Rows <-> records. Sessions keep their inbound messages and events as JSON on one row. */
export const rows = {
  sessionToRow: (s: SessionRecord): Prisma.SessionCreateManyInput => {
    return {
      id: s.id,
      userId: s.userId,
      threadId: s.threadId,
      nodeId: s.nodeId,
      status: s.status,
      reasons: JSON.stringify(s.reasons),
      details: JSON.stringify(s.details),
      agentName: s.agentName,
      agentVersion: s.agentVersion,
      agentKind: s.agentKind,
      ttftMs: s.ttftMs,
      chunks: s.chunks,
      faults: JSON.stringify(s.faults),
      inbound: JSON.stringify(s.inbound),
      events: JSON.stringify(s.events),
      startedAt: new Date(s.startedAt),
      endedAt: s.endedAt === null ? null : new Date(s.endedAt),
      updatedAt: new Date(s.updatedAt),
    };
  },
  sessionFromRow: (r: SessionRow): SessionRecord => {
    return {
      id: r.id,
      userId: r.userId,
      threadId: r.threadId,
      nodeId: r.nodeId,
      status: r.status as SessionRecord["status"],
      reasons: JSON.parse(r.reasons) as SessionRecord["reasons"],
      details: JSON.parse(r.details) as string[],
      agentName: r.agentName,
      agentVersion: r.agentVersion,
      agentKind: r.agentKind as SessionRecord["agentKind"],
      ttftMs: r.ttftMs,
      chunks: r.chunks,
      faults: JSON.parse(r.faults) as Record<string, unknown>,
      inbound: JSON.parse(r.inbound) as SessionRecord["inbound"],
      events: JSON.parse(r.events) as SessionRecord["events"],
      startedAt: r.startedAt.getTime(),
      endedAt: r.endedAt ? r.endedAt.getTime() : null,
      updatedAt: r.updatedAt.getTime(),
    };
  },
  traceFromRow: (r: TraceRow): TraceEvent => {
    const t: TraceEvent = { id: r.id, trace_id: r.traceId, ts: Number(r.ts), node_id: r.nodeId, kind: r.kind as TraceKind };
    if (r.userId !== null) t.user_id = r.userId;
    if (r.connectionId !== null) t.connection_id = r.connectionId;
    if (r.messageType !== null) t.message_type = r.messageType;
    if (r.handler !== null) t.handler = r.handler;
    if (r.runId !== null) t.run_id = r.runId;
    if (r.threadId !== null) t.thread_id = r.threadId;
    if (r.durationMs !== null) t.duration_ms = r.durationMs;
    if (r.errorCode !== null) t.error = { code: r.errorCode, message: r.errorMessage ?? "" };
    return t;
  },
  threadFromRow: (r: ThreadRow): ThreadRecord => {
    return { id: r.id, userId: r.userId, title: r.title, createdAt: r.createdAt.getTime() };
  },
  messageFromRow: (r: MessageRow): MessageRecord => {
    const m: MessageRecord = {
      id: r.id,
      threadId: r.threadId,
      userId: r.userId,
      role: r.role as MessageRecord["role"],
      content: r.content,
      createdAt: r.createdAt.getTime(),
    };
    if (r.runId !== null) m.runId = r.runId;
    return m;
  },
};
