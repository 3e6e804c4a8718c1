import { expect, test, uniqueUser } from "./fixtures";
import { HandlersPage } from "./pages/handlers-page";

test("the registry lists every type once and unhandled types appear", async ({ operatorPage: page, chat }) => {
  const handlers = new HandlersPage(page);
  await handlers.goto();
  const userMessage = handlers.row("user_message");
  await expect(userMessage).toBeVisible();
  await expect(userMessage).toContainText("chat");
  await expect(userMessage).toContainText("chat_message");
  await expect(handlers.row("ping")).toHaveCount(1);

  const client = await chat(uniqueUser("handlers"));
  const ack = await client.send({ type: "e2e_unregistered_type" });
  expect(ack.ok).toBe(false);
  await expect(handlers.unhandled("e2e_unregistered_type")).toBeVisible({ timeout: 15_000 });
});
