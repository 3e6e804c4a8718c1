import type { Locator, Page } from "@playwright/test";

export class UsersPage {
  readonly banner: Locator;

  constructor(readonly page: Page) {
    this.banner = page.getByTestId("isolation-banner");
  }

  async goto(): Promise<void> {
    await this.page.goto("/users");
  }

  row(userId: string): Locator {
    return this.page.locator(`[data-testid="users-row"][data-user="${userId}"]`);
  }

  connections(userId: string): Locator {
    return this.row(userId).getByTestId("users-connections");
  }

  events(userId: string): Locator {
    return this.row(userId).getByTestId("users-events");
  }

  violations(userId: string): Locator {
    return this.row(userId).getByTestId("users-violations");
  }

  /** The expanded connection list below a user's row. */
  connectionRows(): Locator {
    return this.page.getByTestId("user-connection-row");
  }
}
