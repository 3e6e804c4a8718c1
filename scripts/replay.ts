// `npm run replay -- <fixture.json> [more...] [--faults recorded|none] [--json]`
// Replays exported sessions with no server running; exits 1 when any replay does not pass.
import { parseArgs } from "node:util";
import { formatReplay } from "../server/replay/diff-text";
import { replayFixtures } from "../server/replay/replay-fixtures";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { faults: { type: "string" }, json: { type: "boolean", default: false } },
});
if (positionals.length === 0 || (values.faults && values.faults !== "recorded" && values.faults !== "none")) {
  process.stderr.write("usage: npm run replay -- <fixture.json> [more.json ...] [--faults recorded|none] [--json]\n");
  process.exit(2);
}

try {
  const results = await replayFixtures(positionals, values.faults as "recorded" | "none" | undefined);
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        results.map((r) => ({ file: r.file, ...r.outcome })),
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const r of results) process.stdout.write(formatReplay(r.file, r.fixture.session, r.outcome) + "\n\n");
    const failed = results.filter((r) => !r.outcome.verdict.passed).length;
    process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  }
  process.exit(results.every((r) => r.outcome.verdict.passed) ? 0 : 1);
} catch (err) {
  process.stderr.write(`replay failed: ${(err as Error).message}\n`);
  process.exit(2);
}
