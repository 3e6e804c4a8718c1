import type { Locator, Page } from "@playwright/test";

export class FlowsPage {
  readonly rows: Locator;
  readonly pauseButton: Locator;
  readonly detail: Locator;
  readonly graph: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId("flows-row");
    this.pauseButton = page.getByTestId("flows-pause");
    this.detail = page.getByTestId("flow-detail");
    this.graph = page.getByTestId("flow-graph");
  }

  async goto(): Promise<void> {
    await this.page.goto("/flows");
  }

  async filterUser(userId: string): Promise<void> {
    await this.page.getByTestId("flows-filter-user").fill(userId);
  }

  async filterType(type: string): Promise<void> {
    await this.page.getByTestId("flows-filter-type").fill(type);
  }

  rowsFor(userId: string, type?: string): Locator {
    return this.page.locator(`[data-testid="flows-row"][data-user="${userId}"]${type ? `[data-type="${type}"]` : ""}`);
  }
}
