import type { FieldChange } from "../../contract";
import type { ReplayResult } from "../../contract";

const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v).slice(0, 60));
const changeText = (c: FieldChange) => `${c.path}: ${show(c.recorded)} -> ${show(c.replayed)}`;

/** A replay outcome as a plain-text report for the command line. */
export function formatReplay(label: string, recorded: { status: string; reasons: string[] }, outcome: ReplayResult): string {
  const v = outcome.verdict;
  const lines = [
    `${label}`,
    `  session ${outcome.session_id}  recorded: ${recorded.status}${recorded.reasons.length ? ` [${recorded.reasons.join(", ")}]` : ""}`,
    `  replay (faults: ${outcome.faults}): ${v.passed ? "PASSED" : `FAILED [${v.reasons.join(", ")}]`}`,
  ];
  const agent = outcome.agent;
  if (agent && agent.version !== agent.recorded_version) {
    lines.push(`  note: recorded with ${agent.name} ${agent.recorded_version}, replayed with ${agent.version}`);
  }
  lines.push("  #   status   type             seq  timing    changes");
  outcome.diff.entries.forEach((e, i) => {
    const seq = e.recorded?.seq ?? e.replayed?.seq ?? "";
    const timing = e.timing_delta_ms === undefined ? "" : `${e.timing_delta_ms >= 0 ? "+" : ""}${e.timing_delta_ms}ms`;
    lines.push(
      `  ${String(i).padEnd(3)} ${e.status.padEnd(8)} ${e.type.padEnd(16)} ${String(seq).padEnd(4)} ${timing.padEnd(9)} ${(e.changes ?? []).map(changeText).join("; ")}`,
    );
  });
  const first = outcome.diff.first_divergence;
  lines.push(
    first === null
      ? "  no divergence from the recording"
      : `  first divergence: entry ${first} (${outcome.diff.entries[first]!.status} ${outcome.diff.entries[first]!.type})`,
  );
  for (const d of v.details) lines.push(`  - ${d}`);
  return lines.join("\n");
}
