/** Longer than this on one line, a value is folded: its first line shows, the pretty JSON opens on click. */
const INLINE_MAX = 90;

function oneLine(v: unknown): string {
  if (v === undefined) return "–";
  return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

/** A JSON value, readable: inline when short, a collapsed pretty block when long. */
export function JsonValue({ value, testId }: { value: unknown; testId?: string }) {
  const line = oneLine(value);
  if (line.length <= INLINE_MAX) {
    return (
      <span className="mono json-inline" data-testid={testId}>
        {line}
      </span>
    );
  }
  return (
    <details className="json-fold" data-testid={testId}>
      <summary className="mono">
        {line.slice(0, INLINE_MAX - 1)}… <span className="faint">({line.length} chars)</span>
      </summary>
      <pre className="json">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}
