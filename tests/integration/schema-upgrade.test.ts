import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { migrationFiles } from "../../server/store/migrate";
import { startTestNode, type TestNode } from "../support/test-node";

const dir = mkdtempSync(join(tmpdir(), "switchyard-upgrade-"));
let t: TestNode | undefined;
afterAll(async () => {
  await t?.stop({ keepData: true });
  rmSync(dir, { recursive: true, force: true });
});

it("upgrades a database made by the first schema in place, keeping its sessions", async () => {
  // A database as the first release left it: only migration 0001, one finished session.
  const db = new Database(join(dir, "test.db"));
  const [first] = migrationFiles("sqlite");
  expect(first!.name).toBe("0001_init");
  db.exec(first!.sql);
  db.exec(`CREATE TABLE "_switchyard_migrations" ("name" TEXT PRIMARY KEY, "applied_at" TEXT NOT NULL)`);
  db.prepare(`INSERT INTO "_switchyard_migrations" VALUES (?, ?)`).run("0001_init", new Date().toISOString());
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO "Session" ("id","userId","threadId","nodeId","status","reasons","agentName","agentVersion","faults","inbound","events","startedAt","endedAt","updatedAt")
     VALUES ('run_old','old-user','thr_old','old-node','failed','["gap"]','assistant','1.0.0','{}','[]','[]',?,?,?)`,
  ).run(now, now, now);
  db.close();

  t = await startTestNode({}, { dataDir: dir });
  const res = await t.api("/api/sessions/run_old");
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ id: "run_old", status: "failed", verdict: { passed: false, reasons: ["gap"], details: [] } });
  const check = new Database(join(dir, "test.db"), { readonly: true });
  const applied = check.prepare(`SELECT "name" FROM "_switchyard_migrations" ORDER BY "name"`).pluck().all();
  check.close();
  expect(applied).toEqual(migrationFiles("sqlite").map((m) => m.name));
});
