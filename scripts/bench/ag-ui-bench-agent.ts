// An AG-UI agent for `npm run bench:agents`, in its own process, encoding with @ag-ui/encoder.
// POST /first: answers at once (RUN_STARTED, one text message of a few deltas, RUN_FINISHED): what a
// client waits for before the first token is then Switchyard's share alone.
// POST /flood?rate=R&seconds=S: a text message of R tiny deltas a second for S seconds (a misbehaving agent).
import { createServer } from "node:http";
import { EventType } from "@ag-ui/core";
import { EventEncoder } from "@ag-ui/encoder";

const encoder = new EventEncoder();

const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    const input = JSON.parse(body || "{}") as { threadId?: string; runId?: string };
    const ids = { threadId: input.threadId ?? "t", runId: input.runId ?? "r" };
    const url = new URL(req.url ?? "/", "http://agent");
    res.writeHead(200, { "Content-Type": encoder.getContentType(), "Cache-Control": "no-cache" });
    const send = (e: Record<string, unknown>) => res.write(encoder.encode(e as never));
    send({ type: EventType.RUN_STARTED, ...ids });
    send({ type: EventType.TEXT_MESSAGE_START, messageId: "m", role: "assistant" });
    const finish = () => {
      send({ type: EventType.TEXT_MESSAGE_END, messageId: "m" });
      send({ type: EventType.RUN_FINISHED, ...ids });
      res.end();
    };
    if (url.pathname !== "/flood") {
      for (const delta of ["The ", "first ", "token."]) send({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: "m", delta });
      return finish();
    }
    const rate = Number(url.searchParams.get("rate") ?? 5000);
    const until = Date.now() + Number(url.searchParams.get("seconds") ?? 5) * 1000;
    const perTick = Math.max(1, Math.round(rate / 100));
    const timer = setInterval(() => {
      if (Date.now() >= until || res.destroyed) {
        clearInterval(timer);
        if (!res.destroyed) finish();
        return;
      }
      for (let i = 0; i < perTick; i++) send({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: "m", delta: "x" });
    }, 10);
    res.on("close", () => clearInterval(timer));
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send?.({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
});
process.on("message", (m: { type?: string }) => {
  if (m.type === "exit") server.close(() => process.exit(0));
});
