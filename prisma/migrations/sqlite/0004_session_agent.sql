-- Sessions record the agent's kind, the time to first token and the chunk count of streamed runs.
ALTER TABLE "Session" ADD COLUMN "agentKind" TEXT NOT NULL DEFAULT 'builtin';
ALTER TABLE "Session" ADD COLUMN "ttftMs" REAL;
ALTER TABLE "Session" ADD COLUMN "chunks" INTEGER NOT NULL DEFAULT 0;
