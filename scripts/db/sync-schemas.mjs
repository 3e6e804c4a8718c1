// Derives the PostgreSQL twin of prisma/schema.prisma and the SQL that creates each schema.
// Prisma keeps one provider per schema file, so the SQLite schema is the source and this is the copy.
// Run after editing prisma/schema.prisma: `npm run db:schemas`. Writes:
//   prisma/postgres/schema.prisma, prisma/migrations/{sqlite,postgres}/<name>.sql
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const source = readFileSync(join(root, "prisma/schema.prisma"), "utf8");

const postgres = source
  .replace(
    /^\/\/ The source schema[\s\S]*?\n(?=generator)/m,
    "// GENERATED from prisma/schema.prisma by scripts/db/sync-schemas.mjs. Do not edit.\n",
  )
  .replace('provider   = "prisma-client-js"', 'provider   = "prisma-client-js"\n  output     = "../../generated/prisma-pg"')
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('url      = "file:../data/switchyard.db"', 'url      = "postgresql://postgres@127.0.0.1:5432/switchyard"');
writeFileSync(join(root, "prisma/postgres/schema.prisma"), postgres);

const name = process.argv[2];
if (!name) process.exit(0);

// A new migration is the difference between the schema the earlier migrations built and the schema now.
for (const [dialect, schema] of [
  ["sqlite", "prisma/schema.prisma"],
  ["postgres", "prisma/postgres/schema.prisma"],
]) {
  const dir = join(root, "prisma/migrations", dialect);
  mkdirSync(dir, { recursive: true });
  const earlier = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort()
    : [];
  const args = ["prisma", "migrate", "diff", "--script", "--to-schema-datamodel", schema];
  if (earlier.length === 0) args.push("--from-empty");
  else {
    const snapshot = join(dir, ".schema-snapshot.prisma");
    args.push("--from-schema-datamodel", snapshot);
  }
  const sql = execFileSync("npx", args, { cwd: root, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  writeFileSync(join(dir, `${name}.sql`), sql);
  writeFileSync(join(dir, ".schema-snapshot.prisma"), readFileSync(join(root, schema), "utf8"));
}
