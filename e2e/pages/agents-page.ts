import type { Locator, Page } from "@playwright/test";

export class AgentsPage {
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId("agents-row");
  }

  async goto(): Promise<void> {
    await this.page.goto("/agents");
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="agents-row"][data-name="${name}"]`);
  }

  kind(name: string): Locator {
    return this.row(name).getByTestId("agent-kind");
  }

  url(name: string): Locator {
    return this.row(name).getByTestId("agents-url");
  }
}
