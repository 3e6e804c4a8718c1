import type { SessionEventRecord, SessionRecord, SessionStatus } from "../store/records";
import type { DeliveryRecord } from "../transport/delivery";

/** Where finished and running sessions go (the write-behind persistence). */
export interface SessionSink {
  saveSession(session: SessionRecord): void;
}

export interface LiveSession {
  record: SessionRecord;
  final: boolean;
  runEnded: boolean;
  violations: number;
  /** The gap check: armed once, it re-arms itself for the rest of the gap while events keep coming. */
  timer: NodeJS.Timeout | undefined;
  lastEventAt: number;
  byMessageId: Map<string, SessionEventRecord>;
  /** Other nodes' delivery reports still on their way (cluster). */
  pendingRemote: number;
  /** A verdict that waits for those reports. */
  deferred: { status?: SessionStatus; timer: NodeJS.Timeout } | null;
  /** The run's agent settings: its longest silence, and whether the five-kind rule applies. */
  gapMs: number;
  strict: boolean;
}

/** One delivery as the session keeps it. */
export function deliveryEntry(d: DeliveryRecord): SessionEventRecord["deliveries"][number] {
  const e: SessionEventRecord["deliveries"][number] = { connection_id: d.connection_id, delivered: d.delivered };
  if (d.recovered) e.recovered = true;
  return e;
}
