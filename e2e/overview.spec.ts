import { expect, test, uniqueUser } from "./fixtures";
import { OverviewPage } from "./pages/overview-page";

test("overview cards and charts update live as traffic arrives", async ({ operatorPage: page, chat }) => {
  const overview = new OverviewPage(page);
  await overview.goto();
  // The first load of a page can take a while on a loaded 2-core machine.
  await expect(overview.value("connections")).toBeVisible({ timeout: 30_000 });
  const passedBefore = await overview.number("sessions-passed");

  const client = await chat(uniqueUser("overview"));
  await expect.poll(() => overview.number("connections")).toBeGreaterThanOrEqual(1);
  await client.run("what is 2+2");

  // No reload: the counters follow the stats stream.
  await expect.poll(() => overview.number("sessions-passed"), { timeout: 15_000 }).toBeGreaterThan(passedBefore);
  await expect(overview.throughputChart.locator("svg").first()).toBeVisible();
  await expect(overview.latencyChart.locator("svg").first()).toBeVisible();
  await expect(overview.value("isolation")).toHaveText("0");
});
