import type { Logger } from "../logger";
import type { DatabaseTarget } from "./database-url";
import { Persistence, type PersistenceOptions } from "./persistence";
import { PgTraceWriter } from "./pg-trace-writer";
import { PrismaBatchWriter } from "./prisma-batch-writer";
import { createPrismaClient } from "./prisma-client";
import { ReadWorkerPool } from "./read-worker-pool";
import { SqliteBatchWriter } from "./sqlite-batch-writer";

/**
 * Persistence for a database target: on SQLite, writes through a writer thread with prepared statements
 * and reads (StoreReads) in reader threads; on PostgreSQL both through Prisma (its driver is asynchronous).
 */
export function openPersistence(target: DatabaseTarget, logger: Logger, options: PersistenceOptions = {}): Persistence {
  const db = createPrismaClient(target);
  const writer =
    target.dialect === "sqlite"
      ? new SqliteBatchWriter(target.file!)
      : new PrismaBatchWriter(db, target.dialect, new PgTraceWriter(target.url));
  const reads = target.dialect === "sqlite" ? new ReadWorkerPool(target) : undefined;
  return new Persistence(db, writer, logger, { reads, ...options });
}
