import { expect, test, uniqueUser } from "./fixtures";
import { SessionDetailPage, SessionsPage } from "./pages/sessions-page";

test.describe("sessions", () => {
  test("a failed run opened from /sessions shows why it failed", async ({ operatorPage: page, chat }) => {
    const user = uniqueUser("sessions");
    const client = await chat(user);
    const passed = await client.run("what is 2+2");
    const failed = await client.run("what is 3+3", { fail_tool: true });
    expect(passed.end.type).toBe("agent_completed");
    expect(failed.end.type).toBe("agent_error");

    const sessions = new SessionsPage(page);
    await sessions.goto();
    await sessions.filterUser(user);
    await expect(sessions.rows).toHaveCount(2, { timeout: 15_000 });
    await expect(sessions.row(passed.runId).getByTestId("session-status")).toHaveText(/passed/);

    await sessions.filterStatus("failed");
    await expect(sessions.rows).toHaveCount(1);
    const row = sessions.row(failed.runId);
    await expect(row.getByTestId("session-status")).toHaveText(/failed/);
    await expect(row.getByTestId("session-reasons")).toContainText("agent_error");

    await sessions.open(failed.runId);
    await expect(page).toHaveURL(new RegExp(`/sessions/${failed.runId}$`));
    const detail = new SessionDetailPage(page);
    await expect(detail.status).toHaveText(/failed/);
    await expect(detail.reasons).toContainText("agent_error");
    await expect(detail.goldenStep("agent_started")).toHaveAttribute("data-present", "true");
    await expect(detail.goldenStep("agent_completed")).toHaveAttribute("data-present", "false");
    await expect(detail.goldenStep("agent_error")).toBeVisible();
    await expect(detail.timeline).toBeVisible();
    await expect(detail.replay).toBeVisible();
  });

  test("a dropped event is marked as a missing seq on the timeline page", async ({ operatorPage: page, chat }) => {
    const client = await chat(uniqueUser("dropped"));
    const ack = await client.send({
      type: "user_message",
      payload: { content: "what is 5+5", simulate: { drop_event: "agent_thinking" } },
    });
    expect(ack.ok).toBe(true);
    const runId = ack.ok ? ack.run_id! : "";
    await client.waitFor((e) => e.run_id === runId && (e.type === "agent_completed" || e.type === "agent_error"));

    const detail = new SessionDetailPage(page);
    await detail.goto(runId);
    await expect(detail.status).toHaveText(/failed/, { timeout: 15_000 });
    await expect(detail.reasons).toContainText("missing_event");
    await expect(page.getByTestId("missing-seq").first()).toBeVisible();
    await expect(detail.goldenStep("agent_thinking")).toHaveAttribute("data-present", "false");
  });

  test("replaying a failed session without faults shows a diff", async ({ operatorPage: page, chat }) => {
    const client = await chat(uniqueUser("replay"));
    const failed = await client.run("what is 7+7", { fail_tool: true });
    const probe = await page.request.get(`/api/sessions/${failed.runId}/replays`);
    test.skip(probe.status() === 404, "the server has no replay endpoint yet");

    const detail = new SessionDetailPage(page);
    await detail.goto(failed.runId);
    await expect(detail.status).toHaveText(/failed/);
    await detail.replay.getByTestId("replay-none").click();
    const result = detail.replay.getByTestId("replay-result");
    await expect(result).toBeVisible({ timeout: 45_000 });
    await expect(result.getByTestId("replay-verdict")).toHaveAttribute("data-passed", "true");
    await expect(result.locator('[data-testid="diff-entry"]:not([data-status="same"])').first()).toBeVisible();
    await expect(detail.replay.getByTestId("replay-history-row")).toHaveCount(1, { timeout: 10_000 });
  });
});
