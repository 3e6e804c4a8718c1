import { it, expect } from "vitest";
import WebSocket from "ws";
import { startTestNode, tryConnect, sleep } from "../support/test-node";
it("x", async () => {
  const t = await startTestNode({ MAX_CONNECTIONS_PER_USER: "3", RATE_LIMIT_PER_S: "100000", RATE_LIMIT_BURST: "100000" });
  const token = await t.token("leaky");
  for (let i = 0; i < 6; i++) {
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${t.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
      ws.on("message", (d) => {
        const s = d.toString();
        if (s.startsWith("0")) { ws.send("40" + JSON.stringify({ token })); ws.terminate(); resolve(); }
      });
      ws.on("error", () => resolve());
    });
  }
  await sleep(500);
  console.log("RESULT", await tryConnect(t.url, { token }));
  const c = await t.connect("unh");
  for (let i = 0; i < 150; i++) await c.send({ type: `junk_${i}` });
  const res = await t.api("/api/handlers/unhandled");
  console.log("UNHANDLED", ((await res.json()) as unknown[]).length, res.headers.get("x-next-cursor"));
  await t.stop();
}, 60000);
