import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFixture, replayFixtures } from "../../server/replay/replay-fixtures";

const DIR = join(process.cwd(), "tests/fixtures/sessions");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

/** Every exported session in tests/fixtures/sessions is a regression test of the router and agent. */
describe("session fixtures replay as recorded", () => {
  it("has fixtures to replay", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s", async (file) => {
    const path = join(DIR, file);
    const fixture = readFixture(path);
    const [result] = await replayFixtures([path]);
    const expected = fixture.expect ?? { passed: true };
    expect(result!.outcome.verdict.passed).toBe(expected.passed);
    if (expected.reasons) expect(result!.outcome.verdict.reasons).toEqual(expected.reasons);
    if (fixture.replay.faults === "recorded") expect(result!.outcome.diff.first_divergence).toBeNull();
  });
});
