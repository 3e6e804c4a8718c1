// After `tsc -p client/tsconfig.json`: gives every relative import of client/dist an explicit `.js` (or
// `/index.js`) so Node's ESM loader and `moduleResolution: node16` consumers resolve it. The sources (and
// the contract they import) keep the repository's extensionless style, which tsc copies unchanged.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const dist = resolve(dirname(new URL(import.meta.url).pathname), "../dist");
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(js|d\.ts)$/.test(name) ? [path] : [];
  });
}

let rewritten = 0;
for (const file of files(dist)) {
  const text = readFileSync(file, "utf8");
  const out = text.replace(SPECIFIER, (whole, lead, quote, spec) => {
    if (/\.(m?js|json)$/.test(spec)) return whole;
    const base = resolve(dirname(file), spec);
    const target = existsSync(`${base}.js`) ? `${spec}.js` : existsSync(join(base, "index.js")) ? `${spec}/index.js` : null;
    if (!target) throw new Error(`${file}: cannot resolve ${spec}`);
    rewritten++;
    return `${lead}${quote}${target}${quote}`;
  });
  if (out !== text) writeFileSync(file, out);
}
console.log(`client/dist: ${rewritten} relative specifier(s) given an extension`);
