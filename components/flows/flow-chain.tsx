import type { FlowGroup } from "@/lib/flow-groups";
import { fmtMs } from "@/lib/format";

/** One chain as a row of steps: received -> handler -> events -> delivered (and what went wrong). */
export function FlowChain({ g }: { g: FlowGroup }) {
  const steps: { cls: string; text: string; title?: string }[] = [];
  if (g.has.has("connection_opened")) steps.push({ cls: "k-other", text: "connection opened" });
  if (g.has.has("connection_closed")) steps.push({ cls: "k-other", text: "connection closed" });
  if (g.has.has("received")) steps.push({ cls: "k-received", text: "received" });
  if (g.has.has("rejected")) steps.push({ cls: "k-bad", text: `rejected ${g.error?.code ?? ""}`.trim(), title: g.error?.message });
  if (g.handler) {
    const failed = g.has.has("handler_failed");
    steps.push({
      cls: failed ? "k-bad" : "k-handler",
      // The handler has its own column; the chain shows what it cost.
      text: `handler${g.handler_ms !== null ? ` ${fmtMs(g.handler_ms)}` : ""}${failed ? " failed" : ""}`,
      title: failed ? `${g.handler}: ${g.error?.message ?? "failed"}` : g.handler,
    });
  }
  if (g.emitted_count > 0) {
    const types = [...g.emitted.keys()];
    steps.push({
      cls: "k-emitted",
      text: `${g.emitted_count} event${g.emitted_count === 1 ? "" : "s"}`,
      title: types.join(", "),
    });
  }
  if (g.delivered_count > 0) {
    const conns = g.delivered_to.size;
    steps.push({
      cls: "k-delivered",
      text: `delivered ${g.delivered_count}→${conns}c`,
      title: [...g.delivered_to].join("\n"),
    });
  }
  if (g.undelivered_count > 0) steps.push({ cls: "k-bad", text: `undelivered ×${g.undelivered_count}` });
  if (g.acknowledged_count > 0) steps.push({ cls: "k-other", text: `acked ×${g.acknowledged_count}` });
  if (g.has.has("isolation_violation")) steps.push({ cls: "k-bad", text: "ISOLATION VIOLATION" });
  if (g.has.has("session_verdict")) steps.push({ cls: "k-other", text: "verdict" });
  // An error carried by any other step (an agent_error emitted, a failed delivery) still shows.
  if (g.error && !["rejected", "handler_failed", "undelivered", "isolation_violation"].includes(g.error.kind))
    steps.push({ cls: "k-bad", text: g.error.code, title: g.error.message });
  return (
    <span className="chain">
      {steps.map((s, i) => (
        <span key={i} style={{ display: "contents" }}>
          {i > 0 ? <span className="arrow">▸</span> : null}
          <span className={`step ${s.cls}`} title={s.title}>
            {s.text}
          </span>
        </span>
      ))}
    </span>
  );
}
