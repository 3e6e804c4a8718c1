import type { Logger } from "../logger";
import type { DatabaseTarget } from "./database-url";
import { Persistence, type PersistenceOptions } from "./persistence";
import { PrismaBatchWriter } from "./prisma-batch-writer";
import { createPrismaClient } from "./prisma-client";
import { SqliteBatchWriter } from "./sqlite-batch-writer";

/**
 * Persistence for a database target: reads through Prisma; writes through a writer thread with
 * prepared statements on SQLite, through Prisma on PostgreSQL (its driver is asynchronous already).
 */
export function openPersistence(target: DatabaseTarget, logger: Logger, options: PersistenceOptions = {}): Persistence {
  const db = createPrismaClient(target);
  const writer = target.dialect === "sqlite" ? new SqliteBatchWriter(target.file!) : new PrismaBatchWriter(db, target.dialect);
  return new Persistence(db, writer, logger, options);
}
