import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AckJournal, ackJournalFile } from "./ack-journal";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), "ack-journal-"));
  dirs.push(dir);
  return join(dir, "nested", "journal.ndjson");
}

const thread = { id: "thr_1", userId: "u1", title: "t", createdAt: 1 };
const message = { id: "msg_1", threadId: "thr_1", userId: "u1", runId: "run_1", role: "user" as const, content: "hi", createdAt: 2 };

describe("AckJournal", () => {
  it("keeps what was appended for the next open, in order, until settled empties it", () => {
    const path = file();
    const first = AckJournal.open(path);
    expect(first.leftovers).toEqual([]);
    first.journal.append({ thread });
    first.journal.append({ message });
    first.journal.close(); // a process that stopped before the commit
    const second = AckJournal.open(path);
    expect(second.leftovers).toEqual([{ thread }, { message }]);
    second.journal.settled();
    expect(readFileSync(path, "utf8")).toBe("");
    second.journal.append({ thread }); // appends start again at the beginning
    expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify({ thread })}\n`);
    second.journal.close();
  });

  it("skips a last line cut short by a crash mid-write", () => {
    const path = file();
    const { journal } = AckJournal.open(path);
    journal.append({ thread });
    journal.close();
    appendFileSync(path, '{"message":{"id":"msg_');
    const reopened = AckJournal.open(path);
    expect(reopened.leftovers).toEqual([{ thread }]);
    reopened.journal.close();
  });

  it("names one file per node, safe for any node id", () => {
    expect(ackJournalFile({ DATA_DIR: "/d", NODE_ID: "host:3000" })).toBe("/d/ack-journal-host_3000.ndjson");
  });
});
