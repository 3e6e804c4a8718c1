import { SwitchyardClient } from "../../client/src/index";
import type { Ack } from "../../contract/ack";
import type { ClientEnvelope, Faults } from "../../contract/client-messages";

/** One demo connection: a typed Switchyard client, and the thread its user talks in. */
interface DemoConnection {
  userId: string;
  client: SwitchyardClient;
  threadId?: string;
}

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
const SIDE_MESSAGES: ClientEnvelope[] = [
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
 * Drives realistic chat traffic through real clients (`switchyard/client`): users with one or two connections,
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
  readonly #connections: DemoConnection[] = [];
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
    for (const c of this.#connections) c.client.close();
  }

  async #connect(userId: string, token: string): Promise<void> {
    let client: SwitchyardClient;
    try {
      client = await SwitchyardClient.connect(this.#options.url, { token, socket: { reconnectionDelay: 1000 } });
    } catch {
      return; // refused (e.g. TOO_MANY_CONNECTIONS): this user simply has one connection fewer
    }
    if (this.#stopped) return client.close();
    this.counters.connected++;
    client.onConnection(() => this.counters.connected++);
    client.onDisconnect(() => this.counters.connected--);
    client.onAny((evt) => {
      this.counters.events++;
      if (evt.type === "agent_completed") this.counters.runsCompleted++;
      if (evt.type === "agent_error") this.counters.runsFailed++;
    });
    this.#connections.push({ userId, client });
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
    const live = this.#connections.filter((c) => c.client.connected);
    if (live.length === 0) return;
    const r = this.#random;
    const target = live[Math.floor(r() * live.length)]!;
    let sent: Promise<Ack>;
    let abandon = false;
    if (r() < 0.6) {
      const payload: { content: string; simulate?: Faults } = { content: QUESTIONS[Math.floor(r() * QUESTIONS.length)]! };
      if (r() < this.#options.faultShare) payload.simulate = FAULTS[Math.floor(r() * FAULTS.length)];
      const agent = this.#options.agent ?? (r() < this.#options.streamShare ? "streamer" : undefined);
      const thread = target.threadId && r() < 0.7 ? { thread_id: target.threadId } : {};
      sent = agent
        ? target.client.send("start_agent", { ...payload, agent_name: agent }, thread)
        : target.client.send("user_message", payload, thread);
      abandon = r() < this.#options.abandonShare;
      this.counters.runsStarted++;
    } else {
      // Side traffic includes a type no handler knows, sent unchecked on purpose.
      sent = target.client.sendEnvelope(SIDE_MESSAGES[Math.floor(r() * SIDE_MESSAGES.length)]!);
    }
    this.counters.sent++;
    sent.then(
      (ack) => {
        if (ack.ok) this.counters.acked++;
        else this.counters.rejected++;
        if (ack.ok && ack.thread_id) target.threadId = ack.thread_id;
        if (abandon) {
          // The client walks away mid-run and comes back a little later.
          target.client.socket.disconnect();
          setTimeout(() => !this.#stopped && target.client.socket.connect(), 2000).unref();
        }
      },
      () => undefined, // no ack in time (the connection dropped): nothing to count
    );
  }
}
