import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import { PrismaClient as PostgresPrismaClient } from "../../generated/prisma-pg/index.js";
import type { DatabaseTarget } from "./database-url";

/** The Prisma client type repositories use; the PostgreSQL client has the same model API. */
export type Db = PrismaClient;

/**
 * A write transaction's time limit (Prisma's default is 5 s): a batch of thousands of rows on a loaded
 * machine may take longer. A transaction past it fails (P2028) and its batch is retried (data-refusal.ts).
 */
const TRANSACTION_TIMEOUT_MS = 10_000;
/** How long a transaction may wait for a connection of the pool (Prisma's default is 2 s). */
const TRANSACTION_MAX_WAIT_MS = 5_000;

/** Creates a Prisma client with the driver adapter for the target (no query engine binary). */
export function createPrismaClient(target: DatabaseTarget): Db {
  if (target.dialect === "sqlite") {
    return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: target.url }) });
  }
  return new PostgresPrismaClient({
    adapter: new PrismaPg({ connectionString: target.url, max: 10 }),
    transactionOptions: { maxWait: TRANSACTION_MAX_WAIT_MS, timeout: TRANSACTION_TIMEOUT_MS },
  }) as unknown as Db;
}

/** Whether the database answers a trivial query within `timeoutMs`. */
export async function reachable(db: Db, timeoutMs = 1000): Promise<boolean> {
  try {
    await Promise.race([
      db.$queryRawUnsafe("SELECT 1"),
      new Promise((_, reject) => setTimeout(() => reject(new Error("database probe timed out")), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
