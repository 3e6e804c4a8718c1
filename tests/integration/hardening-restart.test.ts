import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { craftJwt, nowS } from "../support/fuzz-hardening";
import { connectedSocket, spawnChildNode } from "../support/spawn-child-node";
import { apiJson, eventually, runToEnd, sessionWhen, startTestNode, testNodeEnv, type SessionBody } from "../support/test-node";

/**
 * A server restart during runs (issue 8): runs waiting in a 5 s tool call when the node stops, gracefully
 * (node.close()) or by SIGKILL (a node in a child process). The next node on the same data reports
 * their sessions failed with reason "interrupted": not lost, not left running.
 */

describe("a server restart during runs", () => {
  it("graceful (node.close()): the runs' sessions are failed [interrupted] on the next node, not lost, not running", async () => {
    const t1 = await startTestNode({ FAULT_INJECTION: "1" });
    const dataDir = t1.dataDir;
    try {
      const [a, b] = await Promise.all([t1.connect("rst-a"), t1.connect("rst-b")]);
      const runIds: string[] = [];
      for (const [i, c] of [a, b, a].entries()) {
        const ack = await c.send({ type: "user_message", payload: { content: `what is ${i} * 5?`, simulate: { delay_ms: 5000 } } });
        runIds.push(ack.run_id as string);
      }
      for (const [i, c] of [a, b, a].entries()) await c.waitFor((e) => e.run_id === runIds[i] && e.type === "tool_executing");
      const passedBefore = (await runToEnd(b, { type: "user_message", payload: { content: "what is 1 + 1?" } })).runId;
      await sessionWhen(t1, passedBefore);

      const stopped = Date.now();
      await t1.stop({ keepData: true });
      expect(Date.now() - stopped, "a graceful stop does not wait for the runs").toBeLessThan(4000);

      const t2 = await startTestNode({ FAULT_INJECTION: "1" }, { dataDir });
      try {
        for (const runId of runIds) {
          const s = await sessionWhen(t2, runId, undefined, 5000);
          expect({ runId, status: s.status, interrupted: s.verdict.reasons.includes("interrupted") }).toEqual({
            runId,
            status: "failed",
            interrupted: true,
          });
        }
        expect((await sessionWhen(t2, passedBefore)).status).toBe("passed");
        const running = await apiJson<{ id: string }[]>(t2, "/api/sessions?status=running");
        expect(running.filter((s) => runIds.includes(s.id))).toEqual([]);
        const listed = await apiJson<{ id: string; status: string }[]>(t2, "/api/sessions?limit=1000");
        for (const runId of runIds) expect(listed.find((s) => s.id === runId)?.status).toBe("failed");
        // The new node serves.
        const c = await t2.connect("rst-a");
        expect(
          (await sessionWhen(t2, (await runToEnd(c, { type: "user_message", payload: { content: "what is 2 + 3?" } })).runId)).status,
        ).toBe("passed");
      } finally {
        await t2.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a crash (SIGKILL, no goodbye): the next node on the same data marks the runs' sessions failed [interrupted]", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "switchyard-crash-"));
    let child: ChildProcess | undefined;
    try {
      const started = spawnChildNode({ ...testNodeEnv(dataDir), FAULT_INJECTION: "1" }, { startMs: 20_000 });
      child = started.child;
      const url = await started.listening;
      const op = craftJwt({ alg: "HS256", typ: "JWT" }, { sub: "crash-ops", role: "operator", exp: nowS() + 600 });
      const socket = await connectedSocket(url, craftJwt({ alg: "HS256" }, { sub: "crash-user", exp: nowS() + 600 }));
      const runIds: string[] = [];
      for (let i = 0; i < 2; i++) {
        const ack = (await socket.timeout(5000).emitWithAck("message", {
          type: "user_message",
          payload: { content: `what is ${i} + 9?`, simulate: { delay_ms: 5000 } },
        })) as Record<string, unknown>;
        runIds.push(ack.run_id as string);
      }
      // Wait until the running sessions are in the database (the list reads it), then kill.
      await eventually(
        async () => {
          const res = await fetch(`${url}/api/sessions?status=running`, { headers: { Authorization: `Bearer ${op}` } });
          const list = (await res.json()) as { id: string }[];
          return runIds.every((id) => list.some((s) => s.id === id));
        },
        10_000,
        "running sessions stored",
      );
      child.kill("SIGKILL");
      await new Promise((r) => child!.once("exit", r));
      socket.close();

      const t2 = await startTestNode({ FAULT_INJECTION: "1" }, { dataDir });
      try {
        for (const runId of runIds) {
          const s: SessionBody = await sessionWhen(t2, runId, undefined, 5000);
          expect({ runId, status: s.status, reasons: s.verdict.reasons }).toMatchObject({
            runId,
            status: "failed",
            reasons: expect.arrayContaining(["interrupted"]),
          });
        }
        // The database agrees (the list reads it): none of them is left running.
        await eventually(
          async () =>
            (await apiJson<{ id: string }[]>(t2, "/api/sessions?status=running")).filter((s) => runIds.includes(s.id)).length === 0,
          5000,
          "no interrupted run listed as running",
        );
        const failed = await apiJson<{ id: string }[]>(t2, "/api/sessions?status=failed");
        for (const runId of runIds) expect(failed.map((s) => s.id)).toContain(runId);
      } finally {
        await t2.stop();
      }
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
