// The house rules that types alone do not enforce, checked in `npm test`:
// - no import cycle among the files of server/ and contract/ (type-only imports count too);
// - no file in server/ over 300 lines;
// - contract/ imports nothing of ours but itself (its only library is zod);
// - server/ never imports the console (app/, components/, lib/), and the console never imports server/;
// - the console's contract imports stay zod-free, so the browser bundle carries no schemas;
// - the typed client (client/src) imports only socket.io-client and zod-free contract files.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const MAX_SERVER_LINES = 300;
const problems = [];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...walk(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Specifiers a file imports or re-exports with `import type` / `export type` only (erased at runtime). */
function typeOnlySpecs(text) {
  const kinds = new Map();
  for (const m of text.matchAll(/\b(import|export)\s+(type\s+)?(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']/g)) {
    const typeOnly = Boolean(m[2]);
    kinds.set(m[3], (kinds.get(m[3]) ?? true) && typeOnly);
  }
  return new Set([...kinds].filter(([, t]) => t).map(([spec]) => spec));
}

/** The project files a file imports (relative or `@/` specifiers), resolved to paths from the root. */
function importsOf(file) {
  const text = readFileSync(join(root, file), "utf8");
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const typeOnly = typeOnlySpecs(text);
  const found = [];
  for (const { fileName: spec } of importedFiles) {
    let base;
    if (spec.startsWith(".")) base = join(dirname(file), spec);
    else if (spec.startsWith("@/")) base = spec.slice(2);
    else {
      found.push({ external: spec, typeOnly: typeOnly.has(spec) });
      continue;
    }
    const candidates = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts"), base];
    const hit = candidates.find((c) => {
      try {
        return statSync(join(root, c)).isFile();
      } catch {
        return false;
      }
    });
    found.push({ file: hit ? relative(root, join(root, hit)) : base, spec, typeOnly: typeOnly.has(spec) });
  }
  return found;
}

const server = walk("server");
const contract = walk("contract");
const consoleFiles = ["app", "components", "lib"].flatMap((d) => walk(d));
const clientFiles = walk("client/src");
const graph = new Map();
for (const f of [...server, ...contract, ...consoleFiles, ...clientFiles]) graph.set(f, importsOf(f));

// Cycles: depth-first search over server/ and contract/.
const inScope = (f) => f.startsWith("server/") || f.startsWith("contract/") || f.startsWith("client/");
const state = new Map();
const stack = [];
function visit(f) {
  state.set(f, "open");
  stack.push(f);
  for (const i of graph.get(f) ?? []) {
    if (!i.file || !inScope(i.file) || !graph.has(i.file)) continue;
    if (state.get(i.file) === "open") problems.push(`import cycle: ${[...stack.slice(stack.indexOf(i.file)), i.file].join(" -> ")}`);
    else if (!state.has(i.file)) visit(i.file);
  }
  stack.pop();
  state.set(f, "done");
}
for (const f of [...server, ...contract, ...clientFiles]) if (!state.has(f)) visit(f);

for (const f of server) {
  const lines = readFileSync(join(root, f), "utf8").split("\n").length - 1;
  if (lines > MAX_SERVER_LINES) problems.push(`${f} has ${lines} lines (at most ${MAX_SERVER_LINES}): split it by concept`);
  for (const i of graph.get(f)) if (i.file && /^(app|components|lib)\//.test(i.file)) problems.push(`${f} imports the console: ${i.spec}`);
}
for (const f of contract) {
  for (const i of graph.get(f)) {
    if (i.external && i.external !== "zod") problems.push(`${f} imports ${i.external}: the contract depends on zod only`);
    if (i.file && !i.file.startsWith("contract/")) problems.push(`${f} imports ${i.spec}: the contract imports nothing of ours`);
  }
}

// Which contract files pull zod in at runtime, directly or through another contract file.
const zodded = new Set();
for (let changed = true; changed;) {
  changed = false;
  for (const f of contract) {
    if (zodded.has(f)) continue;
    // Only imports that survive compilation carry zod along; `import type` is erased.
    if (graph.get(f).some((i) => !i.typeOnly && (i.external === "zod" || (i.file && zodded.has(i.file))))) {
      zodded.add(f);
      changed = true;
    }
  }
}
for (const f of consoleFiles) {
  for (const i of graph.get(f)) {
    if (i.file && i.file.startsWith("server/"))
      problems.push(`${f} imports the server: ${i.spec} (the console talks to it over /api and /inspector)`);
    if (i.file && !i.typeOnly && (zodded.has(i.file) || i.file === "contract/index.ts")) {
      problems.push(`${f} imports ${i.spec}, which carries zod into the browser bundle: import a zod-free contract file`);
    }
  }
}

for (const f of clientFiles) {
  for (const i of graph.get(f)) {
    if (i.external && i.external !== "socket.io-client")
      problems.push(`${f} imports ${i.external}: the client depends on socket.io-client only`);
    if (i.file && !i.file.startsWith("contract/") && !i.file.startsWith("client/"))
      problems.push(`${f} imports ${i.spec}: the client imports the contract and itself only`);
    if (i.file && !i.typeOnly && (zodded.has(i.file) || i.file === "contract/index.ts")) {
      problems.push(`${f} imports ${i.spec}, which carries zod into the client: import a zod-free contract file`);
    }
  }
}

if (problems.length) {
  for (const p of problems) console.error(`  ${p}`);
  console.error(`\n${problems.length} architecture problem(s).`);
  process.exit(1);
}
console.log(
  `architecture: ${server.length} server, ${contract.length} contract, ${consoleFiles.length} console, ${clientFiles.length} client files; no cycles, layers respected`,
);
