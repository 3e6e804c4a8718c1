import type { Locator, Page } from "@playwright/test";

export class LoginPage {
  readonly token: Locator;
  readonly submit: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.token = page.getByTestId("login-token");
    this.submit = page.getByTestId("login-submit");
    this.error = page.getByTestId("login-error");
  }

  async goto(): Promise<void> {
    await this.page.goto("/login");
  }

  async login(token: string): Promise<void> {
    await this.token.fill(token);
    await this.submit.click();
  }
}
