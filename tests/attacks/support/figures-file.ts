import { join } from "node:path";

/** Where each attack's figures go, one JSON object a line, for the figures table. */
export const FIGURES_FILE = join(import.meta.dirname, "../../../test-results/attacks.jsonl");
