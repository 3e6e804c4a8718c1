import { isEventOf } from "../contract/server-events";
import { expect, test, uniqueUser } from "./fixtures";
import { AgentsPage } from "./pages/agents-page";
import { SessionDetailPage } from "./pages/sessions-page";

test.describe("agents", () => {
  test("a streamed run's session shows the chunks joined as one response", async ({ operatorPage: page, chat }) => {
    const client = await chat(uniqueUser("streamer"));
    const { runId, end } = await client.runAgent("what is 6*7", "streamer");
    expect(end.type).toBe("agent_completed");

    // What the client itself received, in seq order.
    const chunks = client.events
      .filter((e) => e.run_id === runId)
      .filter((e) => isEventOf(e, "agent_response_chunk"))
      .sort((x, y) => (x.seq ?? 0) - (y.seq ?? 0));
    expect(chunks.length).toBeGreaterThan(1);
    const joined = chunks.map((e) => (isEventOf(e, "agent_response_chunk") ? e.payload.delta : "")).join("");
    expect(joined).toContain("42");

    const detail = new SessionDetailPage(page);
    await detail.goto(runId);
    await expect(detail.status).toHaveText(/passed/, { timeout: 15_000 });
    await expect(detail.agentKind).toHaveText("builtin");
    await expect(detail.response).toHaveAttribute("data-streamed", "true");
    // textContent, not toHaveText: the response keeps its whitespace exactly.
    await expect.poll(() => detail.responseText.textContent()).toBe(joined);
    await expect(detail.chunks).toHaveText(String(chunks.length));
    await expect(detail.ttft).toHaveText(/^\d+(\.\d+)? ms$|^\d+(\.\d+)? s$/);
    // Hundreds of chunks stay one row of the events table and one lane of the timeline.
    await expect(detail.eventRow("agent_response_chunk")).toHaveCount(1);
    await expect(detail.eventRow("agent_response_chunk")).toHaveAttribute("data-chunks", String(chunks.length));
    await expect(page.getByTestId("timeline-lane-stream")).toBeVisible();
    await expect(detail.toolCall("calculator")).toContainText("6*7");
  });

  test("/agents lists the declared AG-UI agent with its kind and url", async ({ operatorPage: page }) => {
    const agents = new AgentsPage(page);
    await agents.goto();
    await expect(agents.row("demo-ag-ui")).toBeVisible();
    await expect(agents.kind("demo-ag-ui")).toHaveText("ag-ui");
    await expect(agents.url("demo-ag-ui")).toHaveText("http://127.0.0.1:9/agent");
    // The built-ins are there too, the first declared one marked as the default.
    await expect(agents.kind("streamer")).toHaveText("builtin");
    await expect(agents.row("assistant")).toContainText("default");
  });

  test("/agents shows an API failure with its code", async ({ operatorPage: page }) => {
    await page.route(
      (url) => url.pathname === "/api/agents",
      (route) =>
        route.fulfill({
          status: 500,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "INTERNAL", message: "no agents" } }),
        }),
    );
    await new AgentsPage(page).goto();
    await expect(page.getByTestId("error-state")).toContainText("INTERNAL: no agents");
  });
});
