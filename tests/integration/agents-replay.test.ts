import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplayResult } from "../../contract";
import {
  type AgUiAgentServer,
  runFinished,
  runStarted,
  type Script,
  startAgUiAgentServer,
  textMessage,
  toolCall,
} from "../support/ag-ui-agent-server";
import { runToEnd, sessionWhen, startTestNode, type TestClient, type TestNode } from "../support/test-node";

/**
 * Replay of external agents' runs (PROTOCOL.md "Agents", replay): `recorded` (the default) feeds the
 * recorded events through today's router with no network and reproduces the verdict; `live` calls the
 * agent again; consecutive chunks compare as their joined text; an exported fixture replays from the
 * command line with no agent anywhere.
 */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "agents-replay-"));
let agent: AgUiAgentServer;
let t: TestNode;
let user: TestClient;

/** The answer is cut differently on every call: the text is the same, the chunks are not. */
const CUTS = [["The ", "answer ", "is 4."], ["The answer ", "is 4."], ["The answer is 4."]];
let calls = 0;
const answering = (s: Script) => {
  s.send(runStarted(s), ...toolCall("tc-1", "calculator", ['{"expression": "2 + 2"}'], '{"value": 4}'));
  s.send(...textMessage("m1", ...CUTS[calls++ % CUTS.length]!), runFinished(s));
  s.end();
};
const unanswered = (s: Script) => {
  s.send(runStarted(s), ...toolCall("tc-9", "lookup", ['{"q": "x"}']), ...textMessage("m1", "No result."), runFinished(s));
  s.end();
};

beforeAll(async () => {
  agent = await startAgUiAgentServer();
  agent.on("/answering", answering);
  agent.on("/unanswered", unanswered);
  const agentsFile = join(dir, "agents.json");
  writeFileSync(
    agentsFile,
    JSON.stringify([
      { name: "assistant", kind: "builtin" },
      { name: "answering", kind: "ag-ui", url: `${agent.url}/answering` },
      { name: "unanswered", kind: "ag-ui", url: `${agent.url}/unanswered` },
    ]),
  );
  t = await startTestNode({ AGENTS_FILE: agentsFile });
  user = await t.connect("replay-external");
});
afterAll(async () => {
  await t?.stop();
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function replay(id: string, body: Record<string, unknown>): Promise<ReplayResult> {
  const res = await t.api(`/api/sessions/${id}/replay`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ReplayResult;
}

const start = (agentName: string) => runToEnd(user, { type: "start_agent", payload: { content: "what is 2 + 2?", agent_name: agentName } });

describe("replay of an external agent's run", () => {
  it("recorded (the default): the same events and verdict with no request to the agent", async () => {
    const { runId } = await start("answering");
    expect((await sessionWhen(t, runId)).status).toBe("passed");
    const before = agent.requests("/answering").length;
    const recorded = await replay(runId, {});
    expect(recorded.agent).toMatchObject({ name: "answering", mode: "recorded" });
    expect(recorded.verdict, JSON.stringify(recorded.verdict)).toMatchObject({ passed: true, reasons: [] });
    expect(recorded.diff.first_divergence).toBeNull();
    expect(recorded.diff.entries.map((e) => e.type)).toEqual([
      "agent_started",
      "tool_executing",
      "tool_completed",
      "agent_response_chunk",
      "agent_completed",
    ]);
    expect(recorded.diff.entries[3]!.recorded!.payload).toEqual({ delta: "The answer is 4." });
    expect(agent.requests("/answering")).toHaveLength(before);
  });

  it("live: the agent is called again; chunks cut differently compare as the same text", async () => {
    const { runId } = await start("answering");
    const before = agent.requests("/answering").length;
    const live = await replay(runId, { agent: "live" });
    expect(agent.requests("/answering")).toHaveLength(before + 1);
    expect(live.agent).toMatchObject({ mode: "live" });
    expect(live.verdict.passed).toBe(true);
    expect(live.diff.entries.map((e) => e.status)).toEqual(["same", "same", "same", "same", "same"]);
  });

  it("a failed run's recorded replay reproduces its reason (unpaired_tool_call)", async () => {
    const { runId } = await start("unanswered");
    const session = await sessionWhen(t, runId);
    expect(session.verdict.reasons).toEqual(["unpaired_tool_call"]);
    const recorded = await replay(runId, { agent: "recorded" });
    expect(recorded.verdict).toMatchObject({ passed: false, reasons: ["unpaired_tool_call"] });
    expect(recorded.diff.first_divergence).toBeNull();
  });

  it("an exported fixture of an external run replays from the command line with no agent running", { timeout: 180_000 }, async () => {
    const passing = (await start("answering")).runId;
    const failing = (await start("unanswered")).runId;
    await Promise.all([sessionWhen(t, passing), sessionWhen(t, failing)]);
    const files: Record<string, string> = {};
    for (const [name, id] of Object.entries({ passing, failing })) {
      const res = await t.api(`/api/sessions/${id}/export`);
      const fixture = (await res.json()) as { session: { agent_kind: string; chunks: number } };
      expect(fixture.session).toMatchObject({ agent_kind: "ag-ui" });
      files[name] = join(dir, `${name}.json`);
      writeFileSync(files[name], JSON.stringify(fixture));
    }
    await agent.close();
    const requests = agent.requests("/answering").length;
    const cli = (file: string) =>
      run("npx", ["tsx", "scripts/replay.ts", file], { cwd: process.cwd() }).then(
        () => 0,
        (err: { code: number }) => err.code,
      );
    expect(await cli(files.passing!)).toBe(0);
    expect(await cli(files.failing!)).toBe(1);
    expect(agent.requests("/answering")).toHaveLength(requests);
  });
});
