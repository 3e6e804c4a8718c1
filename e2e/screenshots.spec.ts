import { mkdirSync } from "node:fs";
import { expect, test, uniqueUser, type ChatClient } from "./fixtures";

// Documentation screenshots, not a check: `SCREENSHOTS=1 npx playwright test screenshots`.
test.skip(process.env.SCREENSHOTS !== "1", "set SCREENSHOTS=1 to refresh docs/screenshots");

const OUT = "docs/screenshots";

test("screenshots of every page with traffic", async ({ operatorPage: page, chat }) => {
  test.setTimeout(180_000);
  mkdirSync(OUT, { recursive: true });
  await page.setViewportSize({ width: 1440, height: 900 });

  const clients: ChatClient[] = [];
  for (let i = 0; i < 6; i++) clients.push(await chat(uniqueUser(`shot${i}`)));
  const extra = clients[0];
  if (extra) clients.push(await chat(extra.userId));

  // Keep traffic flowing in the background while the pages are captured.
  let stop = false;
  const questions = ["what is 2+2", "what is 12*7", "search the knowledge base for routing", "what is 9-3", "explain isolation"];
  const pump = (async () => {
    let n = 0;
    while (!stop) {
      const c = clients[n % clients.length]!;
      const q = questions[n % questions.length]!;
      const simulate = n % 7 === 3 ? { fail_tool: true } : n % 11 === 5 ? { drop_event: "tool_executing" } : undefined;
      if (n % 4 === 1) void c.send({ type: "start_agent", payload: { content: q, agent_name: "streamer" } }).catch(() => undefined);
      else if (n % 19 === 6) void c.send({ type: "start_agent", payload: { content: q, agent_name: "demo-ag-ui" } }).catch(() => undefined);
      else void c.send({ type: "user_message", payload: simulate ? { content: q, simulate } : { content: q } }).catch(() => undefined);
      if (n % 5 === 0) void c.send({ type: "ping" }).catch(() => undefined);
      if (n % 13 === 0) void c.send({ type: "legacy_unknown_type" }).catch(() => undefined);
      n++;
      await new Promise((r) => setTimeout(r, 150));
    }
  })();

  const failed = await clients[1]!.run("what is 6*7", { fail_tool: true });
  const streamed = await clients[2]!.runAgent("what is 12*7, and how does the router deliver events to a user", "streamer");
  // Nothing listens behind demo-ag-ui (e2e/agents.e2e.json): its run ends with AGENT_UNAVAILABLE.
  const unavailable = await clients[3]!.runAgent("summarise the routing docs", "demo-ag-ui");

  const shot = async (path: string, name: string, ready: () => Promise<void>) => {
    await page.goto(path);
    await ready();
    await page.waitForTimeout(1200);
    await page.screenshot({ path: `${OUT}/${name}.png` });
  };

  await page.waitForTimeout(8000);
  await shot("/", "overview", () => expect(page.getByTestId("stat-connections")).toBeVisible());
  await shot("/flows", "flows", () => expect(page.getByTestId("flows-row").first()).toBeVisible());
  await page.getByTestId("flow-graph").screenshot({ path: `${OUT}/flows-graph.png` });
  await page.getByTestId("flows-row").filter({ hasText: "received" }).first().click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${OUT}/flows-chain.png` });
  await shot("/handlers", "handlers", () => expect(page.getByTestId("handlers-row").first()).toBeVisible());
  await shot("/agents", "agents", () => expect(page.getByTestId("agents-row").first()).toBeVisible());
  await page.goto("/users");
  const twoConnections = page.locator(`[data-testid="users-row"][data-user="${clients[0]!.userId}"]`);
  await expect(twoConnections).toBeVisible();
  await twoConnections.click();
  await expect(page.getByTestId("user-connection-row").first()).toBeVisible();
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${OUT}/users.png` });
  await shot("/sessions", "sessions", () => expect(page.getByTestId("sessions-row").first()).toBeVisible());
  await shot(`/sessions/${failed.runId}`, "session", () => expect(page.getByTestId("session-timeline")).toBeVisible());
  await page.getByTestId("replay-none").click();
  await expect(page.getByTestId("replay-result")).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: `${OUT}/session-full.png`, fullPage: true });
  await page.getByTestId("replay-panel").screenshot({ path: `${OUT}/session-replay.png` });
  await shot(`/sessions/${streamed.runId}`, "session-streamed", () => expect(page.getByTestId("session-response-text")).toBeVisible());
  await page.screenshot({ path: `${OUT}/session-streamed-full.png`, fullPage: true });
  await shot(`/sessions/${unavailable.runId}`, "session-agent-error", () => expect(page.getByTestId("session-agent-error")).toBeVisible());

  await page.evaluate(() => localStorage.setItem("switchyard-theme", "light"));
  await shot("/", "overview-light", () => expect(page.getByTestId("stat-connections")).toBeVisible());
  await page.evaluate(() => localStorage.setItem("switchyard-theme", "dark"));

  stop = true;
  await pump;

  await page.context().clearCookies();
  await shot("/login", "login", () => expect(page.getByTestId("login-token")).toBeVisible());
});
