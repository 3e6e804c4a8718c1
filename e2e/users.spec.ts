import { expect, test, uniqueUser } from "./fixtures";
import { UsersPage } from "./pages/users-page";

test("users page shows each user's connections and deliveries live", async ({ operatorPage: page, chat }) => {
  const users = new UsersPage(page);
  const alice = uniqueUser("alice");
  const bob = uniqueUser("bob");
  await users.goto();
  await expect(users.banner).toBeVisible();

  const a1 = await chat(alice);
  await chat(alice);
  await chat(bob);

  // No reload: the list follows connection traces and its own refresh.
  await expect(users.connections(alice)).toHaveText("2", { timeout: 15_000 });
  await expect(users.connections(bob)).toHaveText("1");

  await a1.run("what is 2+2");
  await expect
    .poll(async () => Number((await users.events(alice).textContent())?.replace(/\D/g, "") || 0), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(10);
  await expect(users.violations(alice)).toHaveText("0");
  await expect(users.violations(bob)).toHaveText("0");

  await users.row(alice).click();
  await expect(users.connectionRows()).toHaveCount(2);
  await expect(users.connectionRows().first()).toContainText("e2e-node");

  a1.close();
  await expect(users.connections(alice)).toHaveText("1", { timeout: 15_000 });
});
