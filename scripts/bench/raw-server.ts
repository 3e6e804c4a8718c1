// The baseline: a plain Socket.IO 4 server answering the same frames as Switchyard with no router, no
// auth check, no tracing and no persistence. ping -> ack + `pong` event; user_message -> ack (run_id,
// thread_id; `thread_created` first when no thread_id) + the five golden-path events to every connection
// of the user (a room), with the same timing structure as the built-in agent (three events on the next
// turn of the event loop, then a 0 ms timer, then the last two). start_agent -> ack + the events the
// built-in `streamer` emits for the same prompt (captured once at start-up, lib/streamer-script.ts): the
// events before the answer on the next turn, then one agent_response_chunk per turn, then agent_completed.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import type { AnyServerEvent, EventIds, ServerEvent, ServerEventPayloads, ServerType } from "../../contract/server-events";
import { type ScriptedEvent } from "./lib/streamer-script";
import type { ChatAuth, ChatClientToServer, ChatServerToClient } from "../../contract/socket-events";
import { streamerScript } from "./lib/streamer-script";
import { GOLDEN_CONTENT, STREAM_CONTENT } from "./protocol";
import { fail, serveIpc } from "./server-ipc";

const NODE_ID = "raw-bench";
const prefix = randomBytes(4).toString("hex");
let counter = 0;
const traceId = () => `${prefix}-${(++counter).toString(36)}`;

/** The token's `sub`, read without verifying (the baseline does no cryptography). */
function subOf(token: unknown): string {
  if (typeof token !== "string") return "anonymous";
  const part = token.split(".")[1];
  if (!part) return "anonymous";
  try {
    const claims = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { sub?: unknown };
    return typeof claims.sub === "string" ? claims.sub : "anonymous";
  } catch {
    return "anonymous";
  }
}

function event<K extends ServerType>(
  type: K,
  payload: ServerEventPayloads[K],
  ids: EventIds & { user_id: string; trace_id: string },
): ServerEvent<K> {
  return { type, payload, message_id: randomUUID(), timestamp: new Date().toISOString(), ...ids };
}

/** Sends a captured streamer run to a room: what precedes the answer at once, then a chunk per turn, then the completion. */
function replayStream(io: Server<ChatClientToServer, ChatServerToClient>, room: string, script: ScriptedEvent[], ids: RunIds): void {
  let i = 0;
  const step = () => {
    do {
      const { type, payload } = script[i]!;
      io.to(room).emit("event", event(type, payload, { ...ids, seq: i + 1 }) as AnyServerEvent);
      i++;
    } while (i < script.length && script[i - 1]!.type !== "agent_response_chunk" && script[i]!.type !== "agent_response_chunk");
    if (i < script.length) setImmediate(step);
  };
  setImmediate(step);
}

type RunIds = EventIds & { user_id: string; trace_id: string; thread_id: string; run_id: string };

try {
  const streamScript = await streamerScript(STREAM_CONTENT);
  const http = createServer((_req, res) => res.writeHead(404).end());
  const io = new Server<ChatClientToServer, ChatServerToClient>(http, { maxHttpBufferSize: 1 << 20, perMessageDeflate: false });

  io.on("connection", (socket) => {
    const userId = subOf((socket.handshake.auth as ChatAuth | undefined)?.token);
    const room = `u:${userId}`;
    void socket.join(room);
    socket.emit(
      "event",
      event(
        "connection_established",
        { connection_id: `conn_${randomUUID()}`, user_id: userId, node_id: NODE_ID },
        { user_id: userId, trace_id: traceId() },
      ),
    );

    // Typed as the contract's ClientEnvelope and Ack; the checks stay defensive (the baseline validates nothing).
    socket.on("message", (env, ack) => {
      const trace_id = traceId();
      const message_id = typeof env?.message_id === "string" ? env.message_id : randomUUID();
      const type = env?.type;
      if (type === "ping") {
        ack?.({ ok: true, type: "ping", message_id, trace_id });
        socket.emit("event", event("pong", { timestamp: new Date().toISOString() }, { user_id: userId, trace_id }));
        return;
      }
      if (type === "start_agent") {
        const thread_id = typeof env.thread_id === "string" ? env.thread_id : `thr_${randomUUID()}`;
        if (thread_id !== env.thread_id) {
          io.to(room).emit(
            "event",
            event("thread_created", { thread_id, title: STREAM_CONTENT.slice(0, 80) }, { user_id: userId, trace_id, thread_id }),
          );
        }
        const run_id = `run_${randomUUID()}`;
        ack?.({ ok: true, type: "start_agent", message_id, trace_id, run_id, thread_id });
        replayStream(io, room, streamScript, { user_id: userId, trace_id, thread_id, run_id });
        return;
      }
      if (type === "user_message") {
        const content = typeof env.payload?.content === "string" ? env.payload.content : GOLDEN_CONTENT;
        let thread_id = typeof env.thread_id === "string" ? env.thread_id : undefined;
        if (!thread_id) {
          thread_id = `thr_${randomUUID()}`;
          io.to(room).emit(
            "event",
            event("thread_created", { thread_id, title: content.slice(0, 80) }, { user_id: userId, trace_id, thread_id }),
          );
        }
        const run_id = `run_${randomUUID()}`;
        ack?.({ ok: true, type: "user_message", message_id, trace_id, run_id, thread_id });
        const ids = { user_id: userId, trace_id, thread_id, run_id };
        const started = performance.now();
        const toolCallId = `${run_id}:1`;
        setImmediate(() => {
          io.to(room).emit(
            "event",
            event("agent_started", { agent_name: "assistant", task_description: content.slice(0, 200) }, { ...ids, seq: 1 }),
          );
          io.to(room).emit(
            "event",
            event("agent_thinking", { reasoning: "Planning 1 tool call(s): calculator.", step_number: 1 }, { ...ids, seq: 2 }),
          );
          io.to(room).emit(
            "event",
            event(
              "tool_executing",
              { tool_name: "calculator", tool_call_id: toolCallId, parameters: { expression: "2+2" } },
              { ...ids, seq: 3 },
            ),
          );
          const toolStarted = performance.now();
          setTimeout(() => {
            io.to(room).emit(
              "event",
              event(
                "tool_completed",
                {
                  tool_name: "calculator",
                  tool_call_id: toolCallId,
                  results: { value: 4 },
                  duration_ms: performance.now() - toolStarted,
                  success: true,
                },
                { ...ids, seq: 4 },
              ),
            );
            io.to(room).emit(
              "event",
              event(
                "agent_completed",
                { status: "completed", final_response: "2+2 = 4.", duration_ms: performance.now() - started },
                { ...ids, seq: 5 },
              ),
            );
          }, 0);
        });
        return;
      }
      ack?.({ ok: false, error: { code: "UNKNOWN_MESSAGE_TYPE", message: "raw bench server" }, message_id, trace_id });
    });
  });

  await new Promise<void>((resolve) => http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  serveIpc(port, {
    target: "raw",
    connections: () => io.engine.clientsCount,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  });
} catch (err) {
  fail(err);
}
