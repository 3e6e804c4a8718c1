import type { Locator, Page } from "@playwright/test";

export const NAV_ITEMS = ["overview", "flows", "handlers", "agents", "users", "sessions"] as const;
export type NavItem = (typeof NAV_ITEMS)[number];

/** The console frame around every page: navigation, status, logout. */
export class Shell {
  readonly sidebar: Locator;
  readonly status: Locator;
  readonly logoutButton: Locator;

  constructor(readonly page: Page) {
    this.sidebar = page.getByTestId("sidebar");
    this.status = page.getByTestId("connection-status");
    this.logoutButton = page.getByTestId("logout");
  }

  nav(item: NavItem): Locator {
    return this.page.getByTestId(`nav-${item}`);
  }

  async go(item: NavItem): Promise<void> {
    await this.nav(item).click();
  }

  async logout(): Promise<void> {
    await this.logoutButton.click();
  }
}
