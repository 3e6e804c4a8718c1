-- Alert episodes (GET /api/alerts): one row per episode, firing until resolved, kept across restarts.
-- Written by hand: the Prisma schema engine does not run here (scripts/db/sync-schemas.mjs).

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "resolvedAt" DATETIME,
    "value" REAL NOT NULL,
    "threshold" REAL,
    "nodeId" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "Alert_startedAt_idx" ON "Alert"("startedAt");

-- CreateIndex
CREATE INDEX "Alert_state_startedAt_idx" ON "Alert"("state", "startedAt");
