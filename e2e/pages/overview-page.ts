import type { Locator, Page } from "@playwright/test";

export class OverviewPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/");
  }

  /** The number shown on a stat card, e.g. stat("connections"). */
  value(name: string): Locator {
    return this.page.getByTestId(`stat-${name}-value`);
  }

  async number(name: string): Promise<number> {
    const text = (await this.value(name).textContent()) ?? "";
    return Number(text.replace(/[^0-9.]/g, ""));
  }

  get throughputChart(): Locator {
    return this.page.getByTestId("chart-throughput");
  }

  get latencyChart(): Locator {
    return this.page.getByTestId("chart-latency");
  }
}
