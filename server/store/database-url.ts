import { resolve } from "node:path";

export type Dialect = "sqlite" | "postgres";

/** Which engine a DATABASE_URL names, and for SQLite the absolute file path. */
export interface DatabaseTarget {
  dialect: Dialect;
  url: string;
  /** SQLite only: the database file. */
  file?: string;
}

/** Parses DATABASE_URL: `file:<path>` (relative to the working directory) or `postgres(ql)://...`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith("file:")) {
    const file = resolve(url.slice("file:".length));
    return { dialect: "sqlite", url: `file:${file}`, file };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: "postgres", url };
  throw new Error(`DATABASE_URL must start with file: or postgresql:// (got ${url.split(":")[0]}:...)`);
}
