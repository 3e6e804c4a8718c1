// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by module/package.
// Also runnable alone: `npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idlePct: number;
  gcPct: number;
  topFunctions: ProfileEntry[];
  topModules: ProfileEntry[];
  /** Project code (server/) by inclusive time: the function and everything it called. */
  topProjectInclusive: ProfileEntry[];
}

/** Where a frame's code lives: a package, a project file, node internals, or a V8 pseudo-frame. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const clean = url.replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = clean.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (clean.startsWith("node:")) return "node:" + clean.slice(5).split("/")[0];
  const m = /\/(server|scripts|generated|lib)\/(.*)$/.exec(clean);
  return m ? `${m[1]}/${m[2]}` : clean;
}

function shortUrl(url: string): string {
  const clean = url.replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("node_modules/");
  if (nm >= 0) return clean.slice(nm + "node_modules/".length);
  const m = /\/(server|scripts|generated|lib)\/.*$/.exec(clean);
  return m ? m[0].slice(1) : clean;
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = profile.endTime - profile.startTime;
  const fnTotals = new Map<string, { name: string; where: string; us: number }>();
  const modTotals = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    if (name === "(idle)") idle += us;
    if (name === "(garbage collector)") gc += us;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const k = `${name}@${where}`;
    const entry = fnTotals.get(k) ?? { name, where, us: 0 };
    entry.us += us;
    fnTotals.set(k, entry);
    const mod = moduleOf(url, name);
    modTotals.set(mod, (modTotals.get(mod) ?? 0) + us);
  }
  const busy = Math.max(1, totalUs - idle);
  // Inclusive time: every distinct project function on a sample's stack gets that sample's time.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = new Map<number, string | null>();
  const labelOf = new Map<string, { name: string; where: string }>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    if (!url.includes("/server/")) {
      keyOf.set(n.id, null);
      continue;
    }
    const where = `${shortUrl(url)}:${lineNumber + 1}`;
    const name = functionName || "(anonymous)";
    const k = `${name}@${where}`;
    keyOf.set(n.id, k);
    labelOf.set(k, { name, where });
  }
  const inclusive = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const k = keyOf.get(id);
      if (k && !seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      }
    }
  }
  const entry = (name: string, where: string, us: number): ProfileEntry => ({
    name,
    where,
    selfMs: Math.round(us / 100) / 10,
    selfPct: Math.round((us / busy) * 1000) / 10,
  });
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    idlePct: Math.round((idle / Math.max(1, totalUs)) * 1000) / 10,
    gcPct: Math.round((gc / busy) * 1000) / 10,
    topFunctions: [...fnTotals.values()]
      .filter((e) => e.name !== "(idle)" && e.name !== "(program)")
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => entry(e.name, e.where, e.us)),
    topProjectInclusive: [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => entry(labelOf.get(k)!.name, labelOf.get(k)!.where, us)),
    topModules: [...modTotals.entries()]
      .filter(([m]) => m !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([m, us]) => entry(m, "", us)),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`  profile ${s.file}`, `  ${s.totalMs} ms sampled, idle ${s.idlePct}%, GC ${s.gcPct}% of busy time`];
  lines.push("  self time by module (% of busy):");
  for (const e of s.topModules) lines.push(`    ${e.selfPct.toFixed(1).padStart(5)}%  ${e.name}`);
  lines.push("  self time by function (% of busy):");
  for (const e of s.topFunctions) lines.push(`    ${e.selfPct.toFixed(1).padStart(5)}%  ${e.name}  ${e.where}`);
  lines.push("  project code (server/) by inclusive time (% of busy):");
  for (const e of s.topProjectInclusive) lines.push(`    ${e.selfPct.toFixed(1).padStart(5)}%  ${e.name}  ${e.where}`);
  return lines.join("\n");
}

/** The profile in a few lines, as the bench's table prints it under a scenario. */
export function formatProfileShort(p: ProfileSummary): string {
  const num = (v: number, digits: number) =>
    Number.isFinite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "-";
  const l = [`     ${p.file}`, `     busy ${num(100 - p.idlePct, 0)}% of ${num(p.totalMs / 1000, 1)} s, GC ${p.gcPct}% of busy`];
  l.push(
    "     by module:   " +
      p.topModules
        .slice(0, 10)
        .map((e) => `${e.name} ${e.selfPct}%`)
        .join(", "),
  );
  l.push("     by function:");
  for (const e of p.topFunctions.slice(0, 12)) l.push(`       ${e.selfPct.toFixed(1).padStart(5)}%  ${e.name}  ${e.where}`);
  if (p.topProjectInclusive.length) {
    l.push("     project code by inclusive time (the function and what it called):");
    for (const e of p.topProjectInclusive.slice(0, 12)) l.push(`       ${e.selfPct.toFixed(1).padStart(5)}%  ${e.name}  ${e.where}`);
  }
  return l.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  process.stdout.write(formatProfile(summarizeProfile(file, Number(process.argv[3] ?? 25))) + "\n");
}
