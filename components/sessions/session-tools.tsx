import { fmtMs, fmtSpan } from "@/lib/format";
import type { ToolCall } from "@/lib/session-analysis";
import { JsonValue } from "./json-value";

function CallStatus({ c }: { c: ToolCall }) {
  if (!c.completed)
    return (
      <span className="badge err" title="no tool_completed with this tool_call_id: unpaired_tool_call">
        unanswered
      </span>
    );
  if (!c.executing)
    return (
      <span className="badge warn" title="a tool_completed with no tool_executing before it">
        no call
      </span>
    );
  if (c.success === false) return <span className="badge err">failed</span>;
  return <span className="badge ok">ok</span>;
}

/** Every tool call of the run: its arguments and its results, paired by tool_call_id. */
export function SessionToolCalls({ calls }: { calls: ToolCall[] }) {
  return (
    <table className="table top" data-testid="session-tools">
      <thead>
        <tr>
          <th>tool</th>
          <th>status</th>
          <th className="num">at</th>
          <th className="num">took</th>
          <th>arguments</th>
          <th>results</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((c) => (
          <tr
            key={c.id}
            data-testid="tool-call-row"
            data-tool={c.name}
            data-call-id={c.id}
            className={!c.completed || c.success === false ? "danger" : undefined}
          >
            <td className="nowrap" style={{ maxWidth: 220 }}>
              <div className="mono" style={{ color: "var(--text-strong)" }}>
                {c.name}
              </div>
              <div className="mono faint ellipsis" style={{ fontSize: 10.5 }} title={c.id}>
                {c.id}
              </div>
            </td>
            <td>
              <CallStatus c={c} />
            </td>
            <td className="num mono muted nowrap">{c.executing ? `+${fmtSpan(c.executing.emitted_at_ms)}` : "–"}</td>
            <td className="num mono nowrap">{c.duration_ms !== null ? fmtMs(c.duration_ms) : "–"}</td>
            <td style={{ maxWidth: 380 }}>
              <JsonValue value={c.parameters} testId="tool-call-args" />
            </td>
            <td style={{ maxWidth: 460 }}>
              {c.completed ? <JsonValue value={c.results} testId="tool-call-results" /> : <span className="faint">never answered</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
