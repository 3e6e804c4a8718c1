// Type tests of `switchyard/client`, checked by `npx tsc --noEmit` (never run): each `@ts-expect-error`
// proves that a wrong call does not compile, and the lines without it that the right ones do.
import type { Ack } from "../../contract/ack";
import type { AnyServerEvent, HistoryMessage, ServerEvent } from "../../contract/server-events";
import type { ClientVerdict, RunGap, RunHandle, SwitchyardClient } from "../../client/src/index";

export async function sendIsTypedPerMessageType(client: SwitchyardClient): Promise<Ack[]> {
  return [
    await client.send("user_message", { content: "hi" }),
    await client.send("user_message", { content: "hi", simulate: { drop_event: "agent_thinking" } }, { thread_id: "t1" }),
    await client.send("start_agent", { content: "hi", agent_name: "streamer" }),
    await client.send("ping"),
    await client.send("ping", {}),
    await client.send("get_thread_history", { thread_id: "t1", limit: 10 }),
    await client.send("stop_agent", { run_id: "r1" }),
    // Aliases resolve to their canonical type's payload.
    await client.send("chat", { content: "hi" }),
    await client.send("agent", { content: "hi", agent_name: "echo" }),

    // @ts-expect-error user_message needs its content
    await client.send("user_message", {}),
    // @ts-expect-error user_message needs a payload at all
    await client.send("user_message"),
    // @ts-expect-error content is a string
    await client.send("user_message", { content: 1 }),
    // @ts-expect-error ping carries no content
    await client.send("ping", { content: 1 }),
    // @ts-expect-error an unknown type
    await client.send("no_such_type", {}),
    // @ts-expect-error a server-only type is not sendable
    await client.send("agent_completed", {}),
    // @ts-expect-error an alias takes its canonical type's payload
    await client.send("chat", { run_id: "r1" }),
    // @ts-expect-error stop_agent needs run_id
    await client.send("stop_agent", { thread_id: "t1" }),
    // @ts-expect-error simulate only on run-starting types
    await client.send("ping", { simulate: { fail_tool: true } }),
    // @ts-expect-error ids are named
    await client.send("ping", {}, { thread: "t1" }),
  ];
}

export function listenersAreTyped(client: SwitchyardClient): void {
  client.on("agent_completed", (e: ServerEvent<"agent_completed">) => {
    const status: "completed" | "cancelled" = e.payload.status;
    void status;
  });
  client.on("thread_history", (e) => {
    const messages: HistoryMessage[] = e.payload.messages;
    void messages;
  });
  // @ts-expect-error agent_thinking has no final_response
  client.on("agent_thinking", (e) => e.payload.final_response);
  // @ts-expect-error not a server event type
  client.on("user_message", () => undefined);
  client.onAny((e: AnyServerEvent) => {
    if (e.type === "tool_completed") {
      const ms: number = e.payload.duration_ms;
      void ms;
    }
  });
}

export async function runsAreTyped(client: SwitchyardClient): Promise<void> {
  const handle: RunHandle = client.run("what is 2 + 2", { agent: "streamer", thread_id: "t1", strict: false, onGap: (g: RunGap) => g });
  for await (const event of handle) {
    const e: AnyServerEvent = event;
    void e;
  }
  const runId: string | undefined = handle.runId;
  const verdict: ClientVerdict = handle.verdict();
  const missing: number[] = handle.missing();
  void [runId, verdict, missing];
  // @ts-expect-error a run takes a string
  client.run({ content: "hi" });
  // @ts-expect-error not a run option
  client.run("hi", { agent_name: "echo" });
}
