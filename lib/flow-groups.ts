import type { Transport } from "@/contract/operator-api";
import type { TraceEvent, TraceKind } from "@/contract/trace";

/** One inbound message (or connection change) and everything the router did because of it. */
export interface FlowGroup {
  trace_id: string;
  /** Oldest first. */
  events: TraceEvent[];
  first_ts: number;
  last_ts: number;
  user_id: string | null;
  /** The inbound type (from `received`), or the first type seen. */
  message_type: string | null;
  handler: string | null;
  run_id: string | null;
  node_id: string;
  handler_ms: number | null;
  emitted: Map<string, number>;
  emitted_count: number;
  delivered_count: number;
  delivered_to: Set<string>;
  undelivered_count: number;
  acknowledged_count: number;
  /** The first error of the chain: a rejection, a handler failure, an isolation violation. */
  error: { kind: TraceKind; code: string; message: string } | null;
  has: Set<TraceKind>;
}

const BAD_KINDS: ReadonlySet<TraceKind> = new Set(["rejected", "handler_failed", "isolation_violation", "undelivered"]);

function newGroup(e: TraceEvent): FlowGroup {
  return {
    trace_id: e.trace_id,
    events: [],
    first_ts: e.ts,
    last_ts: e.ts,
    user_id: null,
    message_type: null,
    handler: null,
    run_id: null,
    node_id: e.node_id,
    handler_ms: null,
    emitted: new Map(),
    emitted_count: 0,
    delivered_count: 0,
    delivered_to: new Set(),
    undelivered_count: 0,
    acknowledged_count: 0,
    error: null,
    has: new Set(),
  };
}

function add(g: FlowGroup, e: TraceEvent): void {
  g.events.push(e);
  if (e.ts < g.first_ts) g.first_ts = e.ts;
  if (e.ts > g.last_ts) g.last_ts = e.ts;
  g.has.add(e.kind);
  g.user_id ??= e.user_id ?? null;
  g.run_id ??= e.run_id ?? null;
  if (e.kind === "received" || e.kind === "rejected" || e.kind === "routed") g.message_type = e.message_type ?? g.message_type;
  else if (!g.message_type && e.kind !== "emitted" && e.kind !== "delivered" && e.kind !== "undelivered" && e.kind !== "acknowledged")
    g.message_type = e.message_type ?? null;
  if (e.handler) g.handler ??= e.handler;
  switch (e.kind) {
    case "handler_finished":
    case "handler_failed":
      if (e.duration_ms !== undefined) g.handler_ms = e.duration_ms;
      break;
    case "emitted": {
      const t = e.message_type ?? "event";
      g.emitted.set(t, (g.emitted.get(t) ?? 0) + 1);
      g.emitted_count++;
      break;
    }
    case "delivered":
      g.delivered_count++;
      if (e.connection_id) g.delivered_to.add(e.connection_id);
      break;
    case "undelivered":
      g.undelivered_count++;
      break;
    case "acknowledged":
      g.acknowledged_count++;
      break;
    default:
      break;
  }
  if (!g.error && (BAD_KINDS.has(e.kind) || e.error)) {
    g.error = { kind: e.kind, code: e.error?.code ?? e.kind, message: e.error?.message ?? e.kind.replace(/_/g, " ") };
  }
}

/**
 * Groups a tail of trace events by trace_id, newest chain first. Run events traced under their own
 * ids are folded into the chain of the message that started the run (same run_id), so a user
 * message reads as one line: received -> handler -> events -> delivered.
 */
export function groupTraces(events: readonly TraceEvent[]): FlowGroup[] {
  const byTrace = new Map<string, FlowGroup>();
  for (const e of events) {
    let g = byTrace.get(e.trace_id);
    if (!g) {
      g = newGroup(e);
      byTrace.set(e.trace_id, g);
    }
    add(g, e);
  }
  const starters = new Map<string, FlowGroup>();
  for (const g of byTrace.values()) if (g.run_id && g.has.has("received")) starters.set(g.run_id, g);
  const out: FlowGroup[] = [];
  for (const g of byTrace.values()) {
    const owner = g.run_id && !g.has.has("received") ? starters.get(g.run_id) : undefined;
    if (owner && owner !== g) {
      for (const e of g.events) add(owner, e);
      continue;
    }
    out.push(g);
  }
  for (const g of out) g.events.sort((a, b) => a.ts - b.ts);
  out.sort((a, b) => b.first_ts - a.first_ts);
  return out;
}

export interface FlowFilter {
  user_id: string;
  type: string;
  handler: string;
  kind: TraceKind | "";
  run_id: string;
  /** The transport of a connection the chain touched (known for open connections). */
  transport: Transport | "";
}

export const EMPTY_FLOW_FILTER: FlowFilter = { user_id: "", type: "", handler: "", kind: "", run_id: "", transport: "" };

function contains(v: string | undefined, q: string): boolean {
  return !!v && v.toLowerCase().includes(q);
}

/** A chain matches when any of its steps does, so filtering never cuts a chain in half. */
export function matchGroup(
  g: FlowGroup,
  f: FlowFilter,
  transportOf: (connectionId: string) => Transport | undefined = () => undefined,
): boolean {
  const user = f.user_id.trim().toLowerCase();
  const run = f.run_id.trim().toLowerCase();
  const type = f.type.trim().toLowerCase();
  const handler = f.handler.trim().toLowerCase();
  if (user && !g.events.some((e) => contains(e.user_id, user))) return false;
  if (run && !g.events.some((e) => contains(e.run_id, run))) return false;
  if (type && !g.events.some((e) => contains(e.message_type, type))) return false;
  if (handler && !g.events.some((e) => contains(e.handler, handler))) return false;
  if (f.kind && !g.has.has(f.kind)) return false;
  if (f.transport && !g.events.some((e) => e.connection_id !== undefined && transportOf(e.connection_id) === f.transport)) return false;
  return true;
}

export interface FlowGraph {
  types: { name: string; count: number }[];
  handlers: { name: string; count: number }[];
  events: { name: string; count: number }[];
  typeToHandler: { from: string; to: string; count: number }[];
  handlerToEvent: { from: string; to: string; count: number }[];
}

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function sorted(m: Map<string, number>): { name: string; count: number }[] {
  return [...m.entries()].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

function edges(m: Map<string, number>): { from: string; to: string; count: number }[] {
  return [...m.entries()].map(([k, count]) => {
    const [from = "", to = ""] = k.split("\u0000");
    return { from, to, count };
  });
}

/** Message type -> handler -> event types, with counts, from the same groups the tail shows. */
export function buildFlowGraph(groups: readonly FlowGroup[]): FlowGraph {
  const types = new Map<string, number>();
  const handlers = new Map<string, number>();
  const evs = new Map<string, number>();
  const th = new Map<string, number>();
  const he = new Map<string, number>();
  for (const g of groups) {
    if (!g.has.has("received") && !g.has.has("rejected")) continue;
    const type = g.message_type ?? "(unknown)";
    const handler = g.handler ?? (g.has.has("rejected") ? "(rejected)" : "(no handler)");
    bump(types, type);
    bump(handlers, handler);
    bump(th, `${type}\u0000${handler}`);
    for (const [t, n] of g.emitted) {
      bump(evs, t, n);
      bump(he, `${handler}\u0000${t}`, n);
    }
  }
  return {
    types: sorted(types),
    handlers: sorted(handlers),
    events: sorted(evs),
    typeToHandler: edges(th),
    handlerToEvent: edges(he),
  };
}
