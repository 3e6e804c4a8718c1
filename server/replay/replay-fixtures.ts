import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../env";
import { createLogger } from "../logger";
import { parseDatabaseUrl } from "../store/database-url";
import { applyMigrations } from "../store/migrate";
import { openPersistence } from "../store/open-persistence";
import { type Fixture, FixtureSchema, type ReplayFaults, type ReplayResult } from "../../contract";
import { fromFixture } from "./fixture";
import { replayAndStore } from "./replay-service";

export interface FixtureResult {
  file: string;
  fixture: Fixture;
  outcome: ReplayResult;
}

/** Reads and validates a fixture file, with the reason when it is not one. */
export function readFixture(file: string): Fixture {
  const parsed = FixtureSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(`${file} is not a session fixture: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Replays fixture files with no server running: a temporary SQLite database gets the schema, the
 * sessions and their replays, and is removed afterwards.
 */
export async function replayFixtures(files: string[], faultsOverride?: ReplayFaults): Promise<FixtureResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-replay-"));
  const config = loadConfig({ ...process.env, DATA_DIR: dir, DATABASE_URL: `file:${join(dir, "replay.db")}`, NODE_ID: "replay-cli" });
  const logger = createLogger("silent", config.NODE_ID);
  const target = parseDatabaseUrl(config.DATABASE_URL);
  await applyMigrations(target);
  const persistence = openPersistence(target, logger);
  try {
    const results: FixtureResult[] = [];
    for (const file of files) {
      const fixture = readFixture(file);
      const session = fromFixture(fixture);
      persistence.saveSession(session);
      await persistence.flush();
      const outcome = await replayAndStore(session, faultsOverride ?? fixture.replay.faults, config, logger, persistence);
      results.push({ file, fixture, outcome });
    }
    return results;
  } finally {
    await persistence.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
