import type { Locator, Page } from "@playwright/test";

export class HandlersPage {
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId("handlers-row");
  }

  async goto(): Promise<void> {
    await this.page.goto("/handlers");
  }

  row(type: string): Locator {
    return this.page.locator(`[data-testid="handlers-row"][data-type="${type}"]`);
  }

  unhandled(type: string): Locator {
    return this.page.locator(`[data-testid="unhandled-row"][data-type="${type}"]`);
  }
}
