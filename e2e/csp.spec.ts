import type { Page, Response } from "@playwright/test";
import { expect, mintToken, test, uniqueUser } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { Shell } from "./pages/shell";

/**
 * The console's content security policy (server/operator/http-kit.ts): scripts need this response's nonce,
 * never 'unsafe-inline', and every page still hydrates, fetches and goes live with no CSP violation in the
 * browser console. A control proves the listener sees a violation when there is one.
 */

/** Records every CSP report the page makes: Chromium's console message and the DOM event. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (msg.text().includes("Content Security Policy")) violations.push(`${page.url()}: ${msg.text()}`);
  });
  await page.exposeFunction("__reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (window as unknown as { __reportCspViolation: (t: string) => void }).__reportCspViolation;
      void report(`${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  return violations;
}

/** The page's policy: a script nonce of at least 128 bits, no 'unsafe-inline' for scripts. */
function expectStrictScriptPolicy(response: Response | null): string {
  const policy = response?.headers()["content-security-policy"] ?? "";
  const scriptSrc = policy.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
  expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/]{22}==/);
  expect(scriptSrc).not.toContain("unsafe-inline");
  return scriptSrc;
}

test("every console page works under a script policy without 'unsafe-inline'", async ({ page, chat }) => {
  const violations = await watchViolations(page);

  // The login page, logged out: its form (client code) logs in and the router moves on to the overview.
  const login = new LoginPage(page);
  const first = expectStrictScriptPolicy(await page.goto("/login"));
  await login.login(await mintToken("e2e-csp-operator", "operator"));
  await expect(page).toHaveURL(/\/$/);

  // Traffic, so that every list has a row to show.
  const client = await chat(uniqueUser("csp"));
  const { runId } = await client.run("what is 3+4");

  const shell = new Shell(page);
  // Each page, the test id of something it shows only once its client code runs, and traffic to show.
  const pages: [string, string, (() => Promise<unknown>)?][] = [
    ["/", "stat-connections-value"],
    ["/flows", "flows-row", () => client.send({ type: "ping" })],
    ["/handlers", "handlers-row"],
    ["/agents", "agents-row"],
    ["/users", "users-row"],
    ["/sessions", "sessions-row"],
    [`/sessions/${encodeURIComponent(runId)}`, "golden-step"],
  ];
  const nonces = new Set([first]);
  for (const [path, testId, traffic] of pages) {
    nonces.add(expectStrictScriptPolicy(await page.goto(path)));
    // Live means the page hydrated and its inspector socket is up; the row comes from a fetch or the stream.
    await expect(shell.status, path).toHaveAttribute("data-state", "live", { timeout: 30_000 });
    await traffic?.();
    await expect(page.getByTestId(testId).first(), path).toBeVisible({ timeout: 30_000 });
  }
  // A fresh nonce per response.
  expect(nonces.size).toBe(pages.length + 1);

  // The theme boot script (an inline script of the root layout) runs before paint with the nonce.
  await page.evaluate(() => localStorage.setItem("switchyard-theme", "light"));
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await page.evaluate(() => localStorage.removeItem("switchyard-theme"));

  expect(violations).toEqual([]);
});

test("the control: an injected inline script is blocked and reported", async ({ operatorPage: page }) => {
  const violations = await watchViolations(page);
  await page.goto("/handlers");
  await expect(new Shell(page).status).toHaveAttribute("data-state", "live", { timeout: 30_000 });
  const ran = await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__injected = true;";
    document.body.appendChild(script);
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => violations.length).toBeGreaterThanOrEqual(1);
  expect(violations.join("\n")).toMatch(/script-src/);
});
