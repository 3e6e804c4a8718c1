import { expect, test } from "./fixtures";

// Loading, empty and error states, forced by answering the page's API calls from the test.

test("an API error is shown with its contract code", async ({ operatorPage: page }) => {
  await page.route(
    (url) => url.pathname === "/api/sessions",
    (route) =>
      route.fulfill({
        status: 500,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "INTERNAL", message: "boom" } }),
      }),
  );
  await page.goto("/sessions");
  await expect(page.getByTestId("error-state")).toContainText("INTERNAL: boom");
});

test("no traffic shows how to make some", async ({ operatorPage: page }) => {
  await page.route(
    (url) => url.pathname === "/api/users" || url.pathname === "/api/connections",
    (route) => route.fulfill({ status: 200, contentType: "application/json", body: "[]" }),
  );
  await page.goto("/users");
  await expect(page.getByTestId("empty-state")).toContainText("npm run simulate -- --users 20 --rate 10");
  await expect(page.getByTestId("empty-state")).toContainText("DEMO_TRAFFIC=1");
});

test("a slow API shows a loading state first", async ({ operatorPage: page }) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  await page.route(
    (url) => url.pathname === "/api/sessions",
    async (route) => {
      await gate;
      await route.fulfill({ status: 200, contentType: "application/json", body: "[]" });
    },
  );
  await page.goto("/sessions");
  await expect(page.getByTestId("loading-state").first()).toBeVisible();
  release();
  await expect(page.getByTestId("empty-state")).toBeVisible();
});

test("a session that does not exist says so", async ({ operatorPage: page }) => {
  await page.goto("/sessions/run_does_not_exist");
  await expect(page.getByTestId("error-state")).toContainText("No session run_does_not_exist");
});

test("isolation violations are prominent, with the offending trace", async ({ operatorPage: page }) => {
  const now = new Date().toISOString();
  const json = (body: unknown) => ({ status: 200, contentType: "application/json", body: JSON.stringify(body) });
  await page.route(
    (url) => url.pathname === "/api/users",
    (route) =>
      route.fulfill(
        json([
          { user_id: "victim", connections: 1, events_delivered: 12, isolation_violations: 0, last_activity: now },
          { user_id: "leaky", connections: 1, events_delivered: 9, isolation_violations: 2, last_activity: now },
        ]),
      ),
  );
  await page.route(
    (url) => url.pathname === "/api/traces",
    (route) =>
      route.fulfill(
        json([
          {
            id: "t1",
            trace_id: "trace-leak-1",
            ts: Date.now(),
            node_id: "e2e-node",
            kind: "isolation_violation",
            user_id: "leaky",
            connection_id: "conn_of_victim",
            message_type: "agent_thinking",
            run_id: "run_leak",
          },
        ]),
      ),
  );
  await page.goto("/users");
  await expect(page.getByTestId("isolation-banner")).toHaveAttribute("data-violations", "2");
  const leaky = page.locator('[data-testid="users-row"][data-user="leaky"]');
  await expect(leaky.getByTestId("users-violations")).toHaveText("2");
  // Offenders are listed first and open, with the trace that crossed users.
  await expect(page.getByTestId("users-row").first()).toHaveAttribute("data-user", "leaky");
  await expect(page.getByTestId("violation-trace")).toContainText("conn_of_victim");
});
