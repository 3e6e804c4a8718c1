import Database from "better-sqlite3";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import type { DatabaseTarget, Dialect } from "./database-url";

const MIGRATIONS_ROOT = new URL("../../prisma/migrations/", import.meta.url).pathname;
const LEDGER = "_switchyard_migrations";

/** The migration files of one dialect, in the order they must be applied. */
export function migrationFiles(dialect: Dialect): { name: string; sql: string }[] {
  const dir = join(MIGRATIONS_ROOT, dialect);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ""), sql: readFileSync(join(dir, f), "utf8") }));
}

/**
 * Brings the database up to the current schema: creates it when empty, applies only the migrations it
 * has not seen (an existing database is upgraded in place). Runs through the raw drivers because the
 * Prisma CLI's schema engine is unavailable for PostgreSQL here (see ../shared/STACK.md).
 */
export async function applyMigrations(target: DatabaseTarget): Promise<string[]> {
  return target.dialect === "sqlite" ? applySqlite(target.file!) : applyPostgres(target.url);
}

function applySqlite(file: string): string[] {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "${LEDGER}" ("name" TEXT PRIMARY KEY, "applied_at" TEXT NOT NULL)`);
    const done = new Set(db.prepare(`SELECT "name" FROM "${LEDGER}"`).pluck().all() as string[]);
    const applied: string[] = [];
    for (const m of migrationFiles("sqlite")) {
      if (done.has(m.name)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(`INSERT INTO "${LEDGER}" VALUES (?, ?)`).run(m.name, new Date().toISOString());
      })();
      applied.push(m.name);
    }
    return applied;
  } finally {
    db.close();
  }
}

async function applyPostgres(url: string): Promise<string[]> {
  await ensurePostgresDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One node migrates at a time when several start together.
    await client.query("SELECT pg_advisory_lock(7262021)");
    await client.query(`CREATE TABLE IF NOT EXISTS "${LEDGER}" ("name" TEXT PRIMARY KEY, "applied_at" TIMESTAMPTZ NOT NULL)`);
    const { rows } = await client.query<{ name: string }>(`SELECT "name" FROM "${LEDGER}"`);
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrationFiles("postgres")) {
      if (done.has(m.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO "${LEDGER}" VALUES ($1, now())`, [m.name]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
      applied.push(m.name);
    }
    await client.query("SELECT pg_advisory_unlock(7262021)");
    return applied;
  } finally {
    await client.end();
  }
}

/** Creates the database named in the URL when the server has none by that name. */
async function ensurePostgresDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (!name) return;
  parsed.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: parsed.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    // Another node may have created it in the meantime.
    const code = (err as { code?: string }).code;
    if (code !== "42P04" && code !== "23505") throw err;
  } finally {
    await admin.end();
  }
}
