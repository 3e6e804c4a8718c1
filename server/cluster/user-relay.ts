import type { ServerEvent } from "../../contract";
import type { Logger } from "../logger";
import type { DeliveryRecord } from "../transport/delivery";
import { presenceKey } from "./presence";
import type { RedisClient } from "./redis-link";
import { RELAY_SCRIPT } from "./relay-script";

type UserEvent = ServerEvent & { user_id: string };

/** One relayed event waiting for the delivery records of the nodes it went to. */
interface Waiting {
  event: UserEvent;
  records: DeliveryRecord[];
  resolve: (records: DeliveryRecord[]) => void;
}

/** A batch on its way: its users' events, the nodes that still owe an answer (with their user indexes). */
interface Batch {
  users: Waiting[][];
  /** Per user: nodes that have not answered yet. */
  remaining: number[];
  owed: Map<string, number[]>;
  timer: NodeJS.Timeout;
}

/** How long a relayed batch waits for the other nodes' delivery records before it settles with those that came. */
const REPLY_TIMEOUT_MS = 2000;

/**
 * Carries users' events to the other nodes that hold those users (and only to them). The events of one
 * turn of the event loop form one batch; a Lua script (relay-script.ts) reads the users' presence and
 * publishes one message per target node on that node's channel (`<prefix>:relay:<node>`). Each target
 * delivers the events through its own checked path and answers with its delivery records on the
 * sender's channel. One Redis connection carries every batch, so a user's events keep their order.
 */
export class UserRelay {
  readonly #redis: RedisClient;
  readonly #sub: RedisClient;
  readonly #prefix: string;
  readonly #nodeId: string;
  readonly #deliver: (event: UserEvent) => DeliveryRecord[];
  readonly #logger: Logger;
  #sha = "";
  #queue = new Map<string, Waiting[]>();
  #scheduled = false;
  #seq = 0;
  readonly #batches = new Map<string, Batch>();
  /** Relay messages published by this node (one per batch per target node), and received from others. */
  messagesSent = 0;
  messagesReceived = 0;
  /** Events this node received from other nodes' relay messages. */
  eventsReceived = 0;

  private constructor(
    redis: RedisClient,
    sub: RedisClient,
    prefix: string,
    nodeId: string,
    deliver: (e: UserEvent) => DeliveryRecord[],
    logger: Logger,
  ) {
    this.#redis = redis;
    this.#sub = sub;
    this.#prefix = prefix;
    this.#nodeId = nodeId;
    this.#deliver = deliver;
    this.#logger = logger;
  }

  /** Subscribes to this node's relay channel (on a second connection) and loads the routing script. */
  static async start(
    redis: RedisClient,
    prefix: string,
    nodeId: string,
    deliver: (e: UserEvent) => DeliveryRecord[],
    logger: Logger,
  ): Promise<UserRelay> {
    const sub = redis.duplicate();
    sub.on("error", () => undefined); // the main client reports Redis going away
    await sub.connect();
    const relay = new UserRelay(redis, sub, prefix, nodeId, deliver, logger);
    relay.#sha = await redis.scriptLoad(RELAY_SCRIPT);
    await sub.subscribe(relay.#channel(nodeId), (message) => relay.#onMessage(message));
    return relay;
  }

  /** Queues a user's event for this turn's batch; resolves with the other nodes' delivery records. */
  send(event: UserEvent): Promise<DeliveryRecord[]> {
    return new Promise((resolve) => {
      const waiting: Waiting = { event, records: [], resolve };
      const list = this.#queue.get(event.user_id);
      if (list) list.push(waiting);
      else this.#queue.set(event.user_id, [waiting]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  async close(): Promise<void> {
    for (const id of [...this.#batches.keys()]) this.#settle(id);
    try {
      if (this.#sub.isReady) await this.#sub.close();
      else this.#sub.destroy();
    } catch {
      // already gone
    }
  }

  /** Drops the subscriber connection at once. */
  destroy(): void {
    try {
      this.#sub.destroy();
    } catch {
      // already gone
    }
  }

  #channel(nodeId: string): string {
    return `${this.#prefix}:relay:${nodeId}`;
  }

  #flush(): void {
    this.#scheduled = false;
    const queued = this.#queue;
    this.#queue = new Map();
    const id = String(++this.#seq);
    const users = [...queued.values()];
    const keys = [...queued.keys()].map((u) => presenceKey(this.#prefix, u));
    const header = `E\n${this.#nodeId}\n${id}`;
    const args = [String(Date.now()), this.#nodeId, `${this.#prefix}:relay:`, header];
    for (const list of users) args.push(JSON.stringify(list.map((w) => w.event)));
    const timer = setTimeout(() => this.#settle(id), REPLY_TIMEOUT_MS);
    timer.unref();
    this.#batches.set(id, { users, remaining: users.map(() => 0), owed: new Map(), timer });
    this.#route(keys, args).then(
      (out) => this.#routed(id, out),
      (err: Error) => {
        this.#logger.debug({ err: err.message }, "cluster relay not sent");
        this.#settle(id);
      },
    );
  }

  /** Runs the routing script; after a Redis restart (NOSCRIPT) it loads it again, in order. */
  async #route(keys: string[], args: string[]): Promise<string[]> {
    try {
      return (await this.#redis.evalSha(this.#sha, { keys, arguments: args })) as string[];
    } catch (err) {
      if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
      return (await this.#redis.eval(RELAY_SCRIPT, { keys, arguments: args })) as string[];
    }
  }

  #routed(id: string, out: string[]): void {
    const batch = this.#batches.get(id);
    if (!batch) return;
    for (let i = 0; i < out.length; i += 2) {
      const idx = out[i + 1]!.split(",").map((s) => Number(s) - 1);
      for (const u of idx) batch.remaining[u]!++;
      batch.owed.set(out[i]!, idx);
    }
    this.messagesSent += out.length / 2;
    batch.users.forEach((list, u) => {
      if (batch.remaining[u] === 0) for (const w of list) w.resolve(w.records);
    });
    if (batch.owed.size === 0) this.#settle(id);
  }

  #onMessage(message: string): void {
    const lines = message.split("\n");
    if (lines[0] === "E") this.#onEvents(lines);
    else if (lines[0] === "R") this.#onReply(lines[1]!, lines[2]!, JSON.parse(lines[3]!) as DeliveryRecord[][][]);
  }

  /** Another node's batch: deliver here through the checked path, answer with the records. */
  #onEvents(lines: string[]): void {
    const [, from, id] = lines;
    this.messagesReceived++;
    const answer: DeliveryRecord[][][] = [];
    for (let i = 3; i < lines.length; i++) {
      const events = JSON.parse(lines[i]!) as UserEvent[];
      this.eventsReceived += events.length;
      answer.push(events.map((e) => this.#deliver(e).map((r) => ({ ...r, node_id: this.#nodeId }))));
    }
    const reply = `R\n${this.#nodeId}\n${id}\n${JSON.stringify(answer)}`;
    this.#redis
      .publish(this.#channel(from!), reply)
      .catch((err: Error) => this.#logger.debug({ err: err.message }, "relay answer not sent"));
  }

  #onReply(from: string, id: string, answer: DeliveryRecord[][][]): void {
    const batch = this.#batches.get(id);
    const idx = batch?.owed.get(from);
    if (!batch || !idx) return;
    batch.owed.delete(from);
    idx.forEach((u, j) => {
      const list = batch.users[u]!;
      list.forEach((w, k) => w.records.push(...(answer[j]?.[k] ?? [])));
      if (--batch.remaining[u]! === 0) for (const w of list) w.resolve(w.records);
    });
    if (batch.owed.size === 0) this.#settle(id);
  }

  /** Ends a batch: every event still waiting resolves with the records that came (resolving twice is harmless). */
  #settle(id: string): void {
    const batch = this.#batches.get(id);
    if (!batch) return;
    this.#batches.delete(id);
    clearTimeout(batch.timer);
    for (const list of batch.users) for (const w of list) w.resolve(w.records);
  }
}
