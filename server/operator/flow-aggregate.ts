import type { FlowEdge, TraceEvent } from "../../contract";

const REMEMBERED_TRACES = 50_000;

/**
 * Aggregates the trace stream into flow edges on the server, so the dashboard's flow view stays cheap
 * at any rate: which handler each inbound type reached, and which event types it produced.
 */
export class FlowAggregate {
  readonly #routes = new Map<string, { type: string; handler: string }>();
  /** type -> handler -> event type -> edge (nested maps: no key string is built per event). */
  readonly #edges = new Map<string, Map<string, Map<string, FlowEdge>>>();

  accept(events: readonly TraceEvent[]): void {
    for (const e of events) {
      if (e.kind === "routed" && e.message_type && e.handler) {
        this.#routes.set(e.trace_id, { type: e.message_type, handler: e.handler });
        if (this.#routes.size > REMEMBERED_TRACES) this.#routes.delete(this.#routes.keys().next().value!);
        this.#bump(e.message_type, e.handler, "(routed)");
      } else if (e.kind === "emitted" && e.message_type) {
        const route = this.#routes.get(e.trace_id);
        if (route) this.#bump(route.type, route.handler, e.message_type);
      }
    }
  }

  edges(): FlowEdge[] {
    const out: FlowEdge[] = [];
    for (const byHandler of this.#edges.values()) for (const byEvent of byHandler.values()) out.push(...byEvent.values());
    return out.sort((a, b) => b.count - a.count);
  }

  #bump(type: string, handler: string, eventType: string): void {
    let byHandler = this.#edges.get(type);
    if (!byHandler) this.#edges.set(type, (byHandler = new Map()));
    let byEvent = byHandler.get(handler);
    if (!byEvent) byHandler.set(handler, (byEvent = new Map()));
    const edge = byEvent.get(eventType);
    if (edge) edge.count++;
    else byEvent.set(eventType, { message_type: type, handler, event_type: eventType, count: 1 });
  }
}
