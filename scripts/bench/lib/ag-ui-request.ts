// The benchmarks' AG-UI requests: one RunAgentInput POSTed to an AG-UI endpoint (an agent's, or
// Switchyard's /ag-ui), its SSE answer read only as far as the measurement needs.

/** POSTs a RunAgentInput with one user message and resolves when `until` matches the stream read so far. */
export async function postRunAgentInput(
  url: string,
  input: { threadId: string; runId: string; content: string; token?: string },
  until: (textSoFar: string) => boolean,
): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      ...(input.token ? { Authorization: `Bearer ${input.token}` } : {}),
      "Content-Type": "application/json",
      Accept: "text/event-stream",
    },
    body: JSON.stringify({
      threadId: input.threadId,
      runId: input.runId,
      messages: [{ id: `${input.runId}-message`, role: "user", content: input.content }],
      tools: [],
      context: [],
      state: {},
      forwardedProps: {},
    }),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
    if (until(text)) break;
  }
  await reader.cancel().catch(() => undefined);
}
