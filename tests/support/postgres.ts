import pg from "pg";

/** The shared PostgreSQL of every machine of this project (trust auth). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A fresh, uniquely named database URL; the server creates the database at start. */
export function freshPostgresUrl(label: string, hostPort = "127.0.0.1:5432"): { url: string; name: string } {
  const name = `switchyard_${label}_${process.pid}_${Date.now().toString(36)}`;
  return { url: `postgresql://postgres@${hostPort}/${name}`, name };
}

/** Drops a test database (terminating leftover connections first). */
export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  } finally {
    await admin.end();
  }
}
