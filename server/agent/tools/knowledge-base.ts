/** The small knowledge base bundled with the built-in agent (about Switchyard itself). */
export interface KnowledgeDoc {
  id: string;
  title: string;
  text: string;
}

export const KNOWLEDGE_BASE: readonly KnowledgeDoc[] = [
  {
    id: "kb-router",
    title: "The unified router",
    text: "Switchyard routes every client message through one registry: each message type and alias maps to exactly one handler, and one middleware chain validates, rate limits and checks ownership.",
  },
  {
    id: "kb-golden",
    title: "The golden path",
    text: "A run emits agent_started, agent_thinking, tool_executing, tool_completed and agent_completed in order, each with a run id, thread id, user id and sequence number.",
  },
  {
    id: "kb-isolation",
    title: "Per-user isolation",
    text: "Before any event is written to a socket, the delivery path checks that the socket's authenticated user owns the event. A mismatch is refused, counted and traced as an isolation violation.",
  },
  {
    id: "kb-threads",
    title: "Threads",
    text: "A thread belongs to the user who created it. A first user message without a thread id creates a thread and sends thread_created before the run starts.",
  },
  {
    id: "kb-rate",
    title: "Rate limits",
    text: "Each connection may send 50 messages per second with a burst of 100 by default; more is refused with RATE_LIMITED and the connection stays open.",
  },
  {
    id: "kb-size",
    title: "Message size",
    text: "Envelopes over 65536 bytes of UTF-8 JSON are refused with PAYLOAD_TOO_LARGE before any other validation; payloads nested deeper than 32 levels are invalid.",
  },
  {
    id: "kb-traces",
    title: "Tracing",
    text: "Every routing step emits a trace event: received, routed, handler started and finished, emitted, delivered. Traces are buffered, batched to the inspector and persisted in batches.",
  },
  {
    id: "kb-replay",
    title: "Replay",
    text: "A failed session can be replayed through the current router in a sandbox, with or without its recorded faults, and the replay is diffed against the recording.",
  },
  {
    id: "kb-cluster",
    title: "Clustering",
    text: "Several nodes share users through Redis; each node delivers to its own sockets through the checked path, and sessions are stored in PostgreSQL.",
  },
  {
    id: "kb-acks",
    title: "Delivery acknowledgements",
    text: "Clients that connect with acks enabled acknowledge each event; the acknowledgements are recorded as acknowledged traces, and the server waits only a bounded time.",
  },
  {
    id: "kb-quality",
    title: "Quality metrics",
    text: "Quality metrics come from real run data: success rate, error rate, durations and tool success, per agent and period. Alerts carry only the subscriber's own runs.",
  },
  {
    id: "kb-weather",
    title: "Weather questions",
    text: "The built-in agent has no weather service; it answers from its bundled knowledge base and its calculator only.",
  },
];
