import type { SessionDetail } from "@/contract/sessions";
import { fmtInt, fmtMs, fmtSpan } from "@/lib/format";
import type { SessionAnalysis } from "@/lib/session-analysis";

function Stat({ label, value, testId, title }: { label: string; value: string; testId?: string; title?: string }) {
  return (
    <span className="stat-inline" title={title}>
      <span className="muted">{label}</span>{" "}
      <b data-testid={testId} className="mono">
        {value}
      </b>
    </span>
  );
}

/**
 * The run's answer as one readable text: the streamed deltas joined in seq order (or, for a run that
 * did not stream, `agent_completed.final_response`), with the stream's figures.
 */
export function SessionResponse({ s, a }: { s: SessionDetail; a: SessionAnalysis }) {
  const { stream, outcome } = a;
  const final = outcome.final_response;
  if (!stream && final === null) return null;
  const text = stream ? stream.text : (final ?? "");
  const differs = stream !== null && final !== null && final !== stream.text;
  return (
    <section className="panel" data-testid="session-response" data-streamed={stream !== null}>
      <div className="panel-head">
        <h2>Response</h2>
        <span className="stat-row">
          {stream ? (
            <>
              <Stat label="chunks" value={fmtInt(s.chunks || stream.chunks.length)} testId="session-chunks" />
              <Stat
                label="time to first token"
                value={s.ttft_ms !== null ? fmtMs(s.ttft_ms) : "–"}
                testId="session-ttft"
                title="from the inbound message to the first agent_response_chunk"
              />
              <Stat label="streamed over" value={fmtSpan(stream.last_ms - stream.first_ms)} />
            </>
          ) : (
            <span className="hint">not streamed: agent_completed.final_response</span>
          )}
          <Stat label="chars" value={fmtInt(text.length)} />
          {outcome.usage ? (
            <Stat
              label="tokens"
              value={`${fmtInt(outcome.usage.input_tokens)} in · ${fmtInt(outcome.usage.output_tokens)} out`}
              testId="session-usage"
            />
          ) : null}
        </span>
      </div>
      <div className="panel-body">
        {text.length > 0 ? (
          <div className="response-text" data-testid="session-response-text">
            {text}
          </div>
        ) : (
          <div className="faint" data-testid="session-response-text">
            (empty answer)
          </div>
        )}
        {stream && s.status === "running" ? (
          <div className="toolbar-note" style={{ marginTop: 6 }}>
            streaming…
          </div>
        ) : null}
        {stream && outcome.error ? (
          <div className="toolbar-note err-text" style={{ marginTop: 6 }}>
            Partial: the run ended with {outcome.error.code} after {fmtInt(stream.chunks.length)} chunks.
          </div>
        ) : null}
        {differs ? (
          <div className="toolbar-note" style={{ marginTop: 6, color: "var(--warn)" }} data-testid="session-response-differs">
            agent_completed.final_response differs from the joined chunks ({fmtInt(final.length)} vs {fmtInt(stream.text.length)} chars).
          </div>
        ) : null}
        {stream && stream.malformed > 0 ? (
          <div className="toolbar-note err-text" style={{ marginTop: 6 }}>
            {stream.malformed} chunk(s) carried no string delta.
          </div>
        ) : null}
        {stream && stream.message_ids.length > 0 ? (
          <div className="toolbar-note mono" style={{ marginTop: 6 }}>
            message {stream.message_ids.join(", ")}
          </div>
        ) : null}
      </div>
    </section>
  );
}
