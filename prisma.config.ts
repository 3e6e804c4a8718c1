import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";

// The WASM schema engine with a driver adapter: no engine binary is ever downloaded (../shared/STACK.md).
// Migrations are SQL files applied by the server at start (server/store/migrate.ts).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: async () => new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? "file:./data/switchyard.db" }),
});
