import { expect, test, uniqueUser } from "./fixtures";
import { FlowsPage } from "./pages/flows-page";

test.describe("live flows", () => {
  test("a user's message appears as a chain without reload", async ({ operatorPage: page, chat }) => {
    const flows = new FlowsPage(page);
    const user = uniqueUser("flows");
    await flows.goto();
    await flows.filterUser(user);

    const client = await chat(user);
    await client.run("what is 2+2");

    const row = flows.rowsFor(user, "user_message").first();
    await expect(row).toBeVisible({ timeout: 15_000 });
    await expect(row).toContainText("received");
    await row.click();
    await expect(flows.detail).toContainText(user);
    await expect(flows.detail).toContainText("received");
    await expect(flows.graph).toContainText("user_message");
  });

  test("pause holds the view still and resume brings traffic back", async ({ operatorPage: page, chat }) => {
    const flows = new FlowsPage(page);
    const user = uniqueUser("pause");
    await flows.goto();
    await flows.filterUser(user);
    const client = await chat(user);
    await client.send({ type: "ping" });
    await expect(flows.rowsFor(user, "ping")).toHaveCount(1, { timeout: 15_000 });

    await flows.pauseButton.click();
    await expect(flows.pauseButton).toHaveAttribute("aria-pressed", "true");
    await client.send({ type: "ping" });
    await client.send({ type: "ping" });
    await page.waitForTimeout(1500);
    await expect(flows.rowsFor(user, "ping")).toHaveCount(1);

    await flows.pauseButton.click();
    await expect(flows.pauseButton).toHaveAttribute("aria-pressed", "false");
    await client.send({ type: "ping" });
    await expect.poll(() => flows.rowsFor(user, "ping").count(), { timeout: 15_000 }).toBeGreaterThan(1);
  });

  test("a rejected message is shown with its error code", async ({ operatorPage: page, chat }) => {
    const flows = new FlowsPage(page);
    const user = uniqueUser("reject");
    await flows.goto();
    await flows.filterUser(user);
    const client = await chat(user);
    const ack = await client.send({ type: "no_such_type_e2e" });
    expect(ack.ok).toBe(false);
    const row = flows.rowsFor(user).filter({ hasText: "UNKNOWN_MESSAGE_TYPE" }).first();
    await expect(row).toBeVisible({ timeout: 15_000 });
  });
});
