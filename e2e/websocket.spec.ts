import { expect, mintToken, SERVER_URL, test, uniqueUser } from "./fixtures";

/** What the page saw on its WebSocket: the selected subprotocol and every frame, parsed. */
interface PageResult {
  protocol: string;
  frames: { type: string; payload: Record<string, unknown>; user_id?: string | null }[];
}

test("a browser talks to /ws with the token in its subprotocols", async ({ page }) => {
  const userId = uniqueUser("ws");
  const token = await mintToken(userId, "user");
  // A page of the server itself, so the socket's Origin is the server's own.
  await page.goto("/login");
  const url = `${SERVER_URL.replace(/^http/, "ws")}/ws`;

  const result = await page.evaluate(
    ({ url, token }) =>
      new Promise<PageResult>((resolve, reject) => {
        const frames: PageResult["frames"] = [];
        const ws = new WebSocket(url, ["switchyard.v1", `bearer.${token}`]);
        const timer = setTimeout(() => reject(new Error(`timed out; frames: ${JSON.stringify(frames)}`)), 10_000);
        ws.onerror = () => reject(new Error("the WebSocket failed"));
        ws.onmessage = (msg: MessageEvent<string>) => {
          const frame = JSON.parse(msg.data) as PageResult["frames"][number];
          frames.push(frame);
          if (frame.type === "connection_established") ws.send(JSON.stringify({ type: "ping", message_id: "e2e-ping-1" }));
          const types = frames.map((f) => f.type);
          if (types.includes("message_ack") && types.includes("pong")) {
            clearTimeout(timer);
            const protocol = ws.protocol;
            ws.close(1000);
            resolve({ protocol, frames });
          }
        };
      }),
    { url, token },
  );

  expect(result.protocol).toBe("switchyard.v1");
  expect(result.frames[0]).toMatchObject({ type: "connection_established", payload: { user_id: userId } });
  const ack = result.frames.find((f) => f.type === "message_ack");
  expect(ack?.payload).toMatchObject({ ok: true, type: "ping", message_id: "e2e-ping-1" });
  const pong = result.frames.find((f) => f.type === "pong");
  expect(pong).toMatchObject({ user_id: userId, payload: { timestamp: expect.any(String) } });
});
