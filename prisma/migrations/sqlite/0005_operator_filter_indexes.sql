-- The operator API's trace filters kind and node_id (GET /api/traces), newest first: without them a
-- filter matching few rows (handler_failed, isolation_violation) walks the whole ts index. No index on
-- messageType: it cost 17% of the SQLite writer's CPU per trace row (scripts/bench/trace-index-cost.ts).
-- Written by hand: the Prisma schema engine does not run here (scripts/db/sync-schemas.mjs).

-- CreateIndex
CREATE INDEX "Trace_kind_ts_idx" ON "Trace"("kind", "ts");

-- CreateIndex
CREATE INDEX "Trace_nodeId_ts_idx" ON "Trace"("nodeId", "ts");
