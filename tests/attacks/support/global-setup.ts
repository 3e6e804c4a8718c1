import { rmSync } from "node:fs";
import { FIGURES_FILE } from "./figures-file";

/** Each run of the attack suite starts a new figures file (test-results/attacks.jsonl). */
export default function setup(): void {
  rmSync(FIGURES_FILE, { force: true });
}
