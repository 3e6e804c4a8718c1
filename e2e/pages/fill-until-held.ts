import { expect, type Locator } from "@playwright/test";

/**
 * Fills an input until it holds the value: on a loaded machine the first keystrokes can land before
 * the page has hydrated and be reset.
 */
export async function fillUntilHeld(input: Locator, value: string): Promise<void> {
  await expect(async () => {
    await input.fill(value);
    await expect(input).toHaveValue(value, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
}
