import { expect, loginAsOperator, mintToken, SERVER_URL, test } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { NAV_ITEMS, Shell } from "./pages/shell";

test.describe("login", () => {
  test("a visitor without the cookie is sent to /login from every page", async ({ page }) => {
    for (const path of ["/", "/flows", "/handlers", "/agents", "/users", "/sessions", "/sessions/some-run"]) {
      await page.goto(path);
      await expect(page, `from ${path}`).toHaveURL(/\/login$/);
    }
    await expect(new LoginPage(page).token).toBeVisible();
  });

  test("an operator logs in through the form and sees the console", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto();
    await login.login(await mintToken("e2e-login-operator", "operator"));
    await expect(page).toHaveURL(/\/$/);
    const shell = new Shell(page);
    for (const item of NAV_ITEMS) await expect(shell.nav(item)).toBeVisible();
    await expect(shell.status).toHaveAttribute("data-state", "live");
    await shell.go("handlers");
    await expect(page).toHaveURL(/\/handlers$/);
    await expect(shell.nav("handlers")).toHaveAttribute("aria-current", "page");
  });

  test("a user-role token is refused with an explanation", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto();
    await login.login(await mintToken("e2e-plain-user", "user"));
    await expect(login.error).toBeVisible();
    await expect(login.error).toContainText(/operator/i);
    await expect(page).toHaveURL(/\/login$/);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "switchyard_session")).toBeUndefined();
  });

  test("a malformed token is refused", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto();
    await login.login("not-a-jwt");
    await expect(login.error).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);
  });

  test("logout clears the cookie and the console is closed again", async ({ page }) => {
    await loginAsOperator(page);
    await page.goto("/users");
    const shell = new Shell(page);
    await expect(shell.nav("users")).toBeVisible();
    await shell.logout();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login$/);
  });

  test("an invalid cookie sends the console back to /login on the first API call", async ({ page, context }) => {
    await context.addCookies([{ name: "switchyard_session", value: "garbage", url: SERVER_URL }]);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login$/);
  });

  test("the theme toggle persists across reloads", async ({ operatorPage: page }) => {
    await page.goto("/");
    const html = page.locator("html");
    const before = await html.getAttribute("data-theme");
    await page.getByTestId("theme-toggle").click();
    const after = before === "dark" ? "light" : "dark";
    await expect(html).toHaveAttribute("data-theme", after);
    await page.reload();
    await expect(html).toHaveAttribute("data-theme", after);
  });
});
