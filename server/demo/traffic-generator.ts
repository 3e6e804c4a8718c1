import { io, type Socket as ClientSocket } from "socket.io-client";
import type { ChatClientToServer, ChatServerToClient, ClientEnvelope, Faults } from "../../contract";

/** A demo user's socket, typed with the contract's chat event maps (as the server sees them, reversed). */
type Socket = ClientSocket<ChatServerToClient, ChatClientToServer>;

export interface TrafficOptions {
  url: string;
  users: number;
  /** Messages per second in total, across all users. */
  rate: number;
  /** Mints a user token for a user id. */
  token: (userId: string) => Promise<string>;
  userPrefix?: string;
  /** Share of runs that ask for a fault (needs fault injection on the server for those users). */
  faultShare?: number;
  /** Share of runs whose client disconnects mid-run (an undelivered failure without fault injection). */
  abandonShare?: number;
  /** Every run goes to this agent (`start_agent {agent_name}`); unset: a mix of the default agent and `streamer`. */
  agent?: string;
  /** Without `agent`: the share of runs that go to the streaming built-in `streamer`. */
  streamShare?: number;
}

export interface TrafficCounters {
  connected: number;
  sent: number;
  acked: number;
  rejected: number;
  events: number;
  runsStarted: number;
  runsCompleted: number;
  runsFailed: number;
}

const QUESTIONS = [
  "what is 12 * (3 + 4)?",
  "how does the router pick a handler?",
  "what is 1024 / 16 + 3",
  "explain per-user isolation",
  "what is the golden path?",
  "calculate 7 ^ 3 - 42",
  "how do rate limits work",
  "what happens to traces when the database is down",
  "what is 365 * 24",
  "how does replay work",
];
const FAULTS: Faults[] = [{ fail_tool: true }, { drop_event: "agent_thinking" }, { drop_event: "tool_completed" }, { delay_ms: 1500 }];
const SIDE_MESSAGES = [
  { type: "ping" },
  { type: "user_typing" },
  { type: "heartbeat" },
  { type: "get_quality_metrics", payload: {} },
  { type: "validate_content", payload: { content: "A short, clear answer." } },
  { type: "no_such_type" },
];

/** A deterministic pseudo-random sequence, so a simulation is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Drives realistic chat traffic through real socket.io clients: users with one or two connections,
 * runs in threads, typing, pings, quality requests, a share of failing runs and a few bad messages.
 * Used by `npm run simulate` and by the server's DEMO_TRAFFIC mode.
 */
export class TrafficGenerator {
  readonly counters: TrafficCounters = {
    connected: 0,
    sent: 0,
    acked: 0,
    rejected: 0,
    events: 0,
    runsStarted: 0,
    runsCompleted: 0,
    runsFailed: 0,
  };
  readonly #options: Required<Omit<TrafficOptions, "userPrefix" | "agent">> & { userPrefix: string; agent?: string };
  readonly #sockets: { userId: string; socket: Socket; threadId?: string }[] = [];
  readonly #random = prng(7);
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: TrafficOptions) {
    this.#options = { faultShare: 0.1, abandonShare: 0.02, userPrefix: "sim", streamShare: 0.3, ...options };
  }

  /** Connects every user (about one in four gets a second connection). */
  async start(): Promise<void> {
    const { users, token, userPrefix } = this.#options;
    const connects: Promise<void>[] = [];
    for (let i = 0; i < users; i++) {
      const userId = `${userPrefix}-${String(i + 1).padStart(4, "0")}`;
      const count = i % 4 === 0 ? 2 : 1;
      for (let c = 0; c < count; c++) connects.push(this.#connect(userId, await token(userId)));
      if (connects.length >= 50) await Promise.all(connects.splice(0));
    }
    await Promise.all(connects);
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const s of this.#sockets) s.socket.close();
  }

  async #connect(userId: string, token: string): Promise<void> {
    const socket = io(this.#options.url, { auth: { token }, transports: ["websocket"], reconnectionDelay: 1000, forceNew: true });
    const entry: { userId: string; socket: Socket; threadId?: string } = { userId, socket };
    socket.on("event", (evt: { type: string }) => {
      this.counters.events++;
      if (evt.type === "agent_completed") this.counters.runsCompleted++;
      if (evt.type === "agent_error") this.counters.runsFailed++;
    });
    socket.on("connect", () => this.counters.connected++);
    socket.on("disconnect", () => this.counters.connected--);
    await new Promise<void>((resolve) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", () => resolve());
    });
    this.#sockets.push(entry);
  }

  /** Sends at the configured total rate, in ticks of 50 ms. */
  #schedule(): void {
    const perTick = this.#options.rate / 20;
    let carry = 0;
    const tick = () => {
      if (this.#stopped) return;
      carry += perTick;
      while (carry >= 1) {
        carry--;
        this.#sendOne();
      }
      this.#timer = setTimeout(tick, 50);
    };
    tick();
  }

  #sendOne(): void {
    const live = this.#sockets.filter((s) => s.socket.connected);
    if (live.length === 0) return;
    const r = this.#random;
    const target = live[Math.floor(r() * live.length)]!;
    let envelope: ClientEnvelope;
    let abandon = false;
    if (r() < 0.6) {
      const payload: { content: string; simulate?: Faults } = { content: QUESTIONS[Math.floor(r() * QUESTIONS.length)]! };
      if (r() < this.#options.faultShare) payload.simulate = FAULTS[Math.floor(r() * FAULTS.length)];
      const agent = this.#options.agent ?? (r() < this.#options.streamShare ? "streamer" : undefined);
      const thread = target.threadId && r() < 0.7 ? { thread_id: target.threadId } : {};
      envelope = agent
        ? { type: "start_agent", payload: { ...payload, agent_name: agent }, ...thread }
        : { type: "user_message", payload, ...thread };
      abandon = r() < this.#options.abandonShare;
      this.counters.runsStarted++;
    } else {
      envelope = SIDE_MESSAGES[Math.floor(r() * SIDE_MESSAGES.length)]!;
    }
    this.counters.sent++;
    target.socket.emit("message", envelope, (ack) => {
      if (ack.ok) this.counters.acked++;
      else this.counters.rejected++;
      if (ack.ok && ack.thread_id) target.threadId = ack.thread_id;
      if (abandon) {
        // The client walks away mid-run and comes back a little later.
        target.socket.disconnect();
        setTimeout(() => !this.#stopped && target.socket.connect(), 2000).unref();
      }
    });
  }
}
