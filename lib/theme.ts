/** Theme persistence: `data-theme` on <html>, chosen once per browser in localStorage. */
export const THEMES = ["dark", "light"] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_STORAGE_KEY = "switchyard-theme";

/**
 * Dark unless the operator chose light: a console on a wall screen should not follow the OS.
 * Runs before the first paint (inline in <head>) so a light-theme user never sees a dark flash.
 * Kept as a string because it must not wait for React.
 */
export const THEME_BOOT_SCRIPT = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});if(t!=="light"){t="dark"}document.documentElement.setAttribute("data-theme",t)}catch(e){}})();`;

export function readTheme(): Theme {
  if (typeof document === "undefined") return "dark";
  return document.documentElement.getAttribute("data-theme") === "light" ? "light" : "dark";
}

export function applyTheme(t: Theme): void {
  document.documentElement.setAttribute("data-theme", t);
  try {
    localStorage.setItem(THEME_STORAGE_KEY, t);
  } catch {
    // Private mode: the choice lasts for this page only, which is fine.
  }
}
