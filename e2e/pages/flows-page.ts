import type { Locator, Page } from "@playwright/test";
import { fillUntilHeld } from "./fill-until-held";

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
    await this.#fill("flows-filter-user", userId);
  }

  async filterType(type: string): Promise<void> {
    await this.#fill("flows-filter-type", type);
  }

  /** Sets a filter, then gives the inspector subscription a moment to reach the server. */
  async #fill(testId: string, value: string): Promise<void> {
    await fillUntilHeld(this.page.getByTestId(testId), value);
    await this.page.waitForTimeout(500);
  }

  rowsFor(userId: string, type?: string): Locator {
    return this.page.locator(`[data-testid="flows-row"][data-user="${userId}"]${type ? `[data-type="${type}"]` : ""}`);
  }
}
