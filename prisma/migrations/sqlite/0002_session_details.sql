-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "threadId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "details" TEXT NOT NULL DEFAULT '[]',
    "agentName" TEXT NOT NULL,
    "agentVersion" TEXT NOT NULL,
    "faults" TEXT NOT NULL DEFAULT '{}',
    "inbound" TEXT NOT NULL DEFAULT '[]',
    "events" TEXT NOT NULL DEFAULT '[]',
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Session" ("agentName", "agentVersion", "endedAt", "events", "faults", "id", "inbound", "nodeId", "reasons", "startedAt", "status", "threadId", "updatedAt", "userId") SELECT "agentName", "agentVersion", "endedAt", "events", "faults", "id", "inbound", "nodeId", "reasons", "startedAt", "status", "threadId", "updatedAt", "userId" FROM "Session";
DROP TABLE "Session";
ALTER TABLE "new_Session" RENAME TO "Session";
CREATE INDEX "Session_status_startedAt_idx" ON "Session"("status", "startedAt");
CREATE INDEX "Session_userId_startedAt_idx" ON "Session"("userId", "startedAt");
CREATE INDEX "Session_startedAt_idx" ON "Session"("startedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

