import type { InterestNotice, NodeState, ServerEvent, TraceEvent } from "../../contract";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Namespace, Server as IoServer } from "socket.io";
import type { Logger } from "../logger";
import type { TraceSink } from "../trace/tracer";
import type { DeliveryRecord, RemoteDelivery } from "../transport/delivery";
import { Presence } from "./presence";
import { connectRedis, type RedisClient } from "./redis-link";
import { TraceInterest } from "./trace-interest";
import { UserRelay } from "./user-relay";

/** What this node answers when another node asks (its share of the cluster's state). */
export interface ClusterMember {
  nodeId: string;
  /** Whether this node holds an open or parked (recoverable) connection of the user. */
  holdsUser(userId: string): boolean;
  deliverToUser(event: ServerEvent & { user_id: string }): DeliveryRecord[];
  broadcast(event: ServerEvent & { user_id: null }): void;
  acceptTraces(events: TraceEvent[]): void;
  localState(): Promise<NodeState>;
  recovered(runId: string, messageId: string, connectionId: string): boolean;
  unpark(userId: string, connectionId: string): void;
  stopRun(runId: string, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void;
}

export type { NodeState };

const REPLY_TIMEOUT_MS = 2000;
const TRACE_BATCH_MAX = 5000;

/**
 * Several nodes on one Redis: Socket.IO's Redis Streams adapter (which keeps connection-state recovery
 * working) carries cross-node messages. A user's events travel only to the nodes that hold that user
 * (presence in Redis, presence.ts), one message per batch per target node (user-relay.ts), and each
 * node writes them to its own sockets through its own checked delivery path, so the isolation check
 * always runs on the node that owns the socket. Trace batches (to the nodes whose inspector is watched),
 * snapshots and recoveries travel through the adapter (`serverSideEmit`). When Redis is away, each node keeps serving its own connections.
 */
export class Cluster implements RemoteDelivery, TraceSink {
  readonly #redis: RedisClient;
  readonly #nsp: Namespace;
  readonly #member: ClusterMember;
  readonly #logger: Logger;
  readonly #presence: Presence;
  readonly #relay: UserRelay;
  readonly #interest: TraceInterest;
  /** Other nodes' traces are relayed in batches; this node's are sent from here. */
  tracesRelayed = 0;

  private constructor(redis: RedisClient, nsp: Namespace, member: ClusterMember, logger: Logger, presence: Presence, relay: UserRelay) {
    this.#redis = redis;
    this.#nsp = nsp;
    this.#member = member;
    this.#logger = logger;
    this.#presence = presence;
    this.#relay = relay;
    this.#interest = new TraceInterest(member.nodeId, (notice) => {
      if (this.healthy) void this.#emit("sy:interest", notice);
    });
    nsp.on("sy:interest", (notice: InterestNotice) => this.#interest.heard(notice));
    nsp.on("sy:broadcast", (event: ServerEvent & { user_id: null }) => member.broadcast(event));
    nsp.on("sy:traces", (events: TraceEvent[]) => member.acceptTraces(events));
    nsp.on("sy:state", (reply: (s: NodeState) => void) => void member.localState().then(reply));
    nsp.on("sy:stop", (r: { run_id: string; inbound: { type: string; message_id: string; payload: Record<string, unknown> } }) =>
      member.stopRun(r.run_id, r.inbound),
    );
    nsp.on("sy:unpark", (r: { user_id: string; connection_id: string }) => member.unpark(r.user_id, r.connection_id));
    nsp.on(
      "sy:recovered",
      (r: { run_id: string; message_id: string; connection_id: string; user_id: string }, reply: (claimed: boolean) => void) => {
        member.unpark(r.user_id, r.connection_id);
        reply(member.recovered(r.run_id, r.message_id, r.connection_id));
      },
    );
  }

  /** Connects to Redis and installs the adapter on the Socket.IO server. */
  static async join(io: IoServer, url: string, prefix: string, member: ClusterMember, logger: Logger): Promise<Cluster> {
    const redis = await connectRedis(url, logger);
    io.adapter(
      createAdapter(redis, {
        streamName: `${prefix}:stream`,
        channelPrefix: prefix,
        sessionKeyPrefix: `${prefix}:session:`,
        maxLen: 100_000,
      }),
    );
    const relay = await UserRelay.start(redis, prefix, member.nodeId, (e) => member.deliverToUser(e), logger);
    const presence = new Presence(redis, prefix, member.nodeId, (u) => member.holdsUser(u), logger);
    return new Cluster(redis, io.of("/"), member, logger, presence, relay);
  }

  /**
   * A connection of the user opened on this node (called synchronously, before its greeting is sent):
   * from now on other nodes relay the user's events here.
   */
  userOpened(userId: string): void {
    this.#presence.opened(userId);
  }

  /** Relay traffic: messages this node published and received, events received, users it claims. */
  get relayStats(): { sent: number; received: number; eventsReceived: number; usersClaimed: number } {
    const r = this.#relay;
    return { sent: r.messagesSent, received: r.messagesReceived, eventsReceived: r.eventsReceived, usersClaimed: this.#presence.size };
  }

  /** Whether Redis is reachable now. */
  get healthy(): boolean {
    return this.#redis.isReady;
  }

  toUser(event: ServerEvent & { user_id: string }): Promise<DeliveryRecord[]> | null {
    if (!this.healthy) return null;
    return this.#relay.send(event);
  }

  broadcast(event: ServerEvent & { user_id: null }): void {
    if (this.healthy) void this.#emit("sy:broadcast", event);
  }

  /** TraceSink: this node's trace batches go to the other nodes' inspectors, while one of them is watched (trace-interest.ts). */
  accept(events: readonly TraceEvent[]): void {
    if (!this.healthy || events.length === 0 || !this.#interest.wanted()) return;
    for (let i = 0; i < events.length; i += TRACE_BATCH_MAX) void this.#emit("sy:traces", events.slice(i, i + TRACE_BATCH_MAX));
    this.tracesRelayed += events.length;
  }

  /** This node's inspector got its first subscriber, or lost its last: other nodes relay their traces here, or stop. */
  inspectorWatched(watched: boolean): void {
    this.#interest.watching(watched);
  }

  /** Every reachable node's state, this one's first. */
  async states(): Promise<NodeState[]> {
    const local = await this.#member.localState();
    if (!this.healthy) return [local];
    return [local, ...(await this.#ask<NodeState>("sy:state"))];
  }

  /** Tells the cluster an event was recovered; the node holding the session updates its verdict. */
  async recovered(r: { run_id: string; message_id: string; connection_id: string; user_id: string }): Promise<boolean> {
    const here = this.#member.recovered(r.run_id, r.message_id, r.connection_id);
    if (!this.healthy) return here;
    const claims = await this.#ask<boolean>("sy:recovered", r);
    return here || claims.some(Boolean);
  }

  /** stop_agent for a run this node does not run: the node that runs it stops it. */
  stopRemote(runId: string, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void {
    if (this.healthy) void this.#emit("sy:stop", { run_id: runId, inbound });
  }

  /** A parked connection came back (on this node): the other nodes stop storing events for it. */
  unparkEverywhere(userId: string, connectionId: string): void {
    if (this.healthy) void this.#emit("sy:unpark", { user_id: userId, connection_id: connectionId });
  }

  async close(): Promise<void> {
    this.#interest.close();
    await this.#presence.close();
    await this.#relay.close();
    try {
      if (this.#redis.isReady) await this.#redis.close();
      else {
        // Commands still queued for a Redis that is away are rejected by destroy(); nobody waits for them.
        this.#redis.destroy();
      }
    } catch (err) {
      this.#logger.debug({ err }, "redis close");
    }
  }

  /** Drops the Redis connections at once (a close that did not finish in time). */
  destroy(): void {
    this.#interest.close();
    this.#relay.destroy();
    try {
      this.#redis.destroy();
    } catch {
      // already gone
    }
  }

  /**
   * serverSideEmit through the adapter, so that a command Redis drops (it went away mid-flight) is a
   * logged failure rather than an unhandled rejection.
   */
  #emit(event: string, ...args: unknown[]): Promise<unknown> {
    const adapter = this.#nsp.adapter as unknown as { serverSideEmit(packet: unknown[]): Promise<unknown> };
    return adapter.serverSideEmit([event, ...args]).catch((err: Error) => {
      this.#logger.debug({ event, err: err.message }, "cluster message not sent");
    });
  }

  /**
   * serverSideEmit with an ack from every other node. The adapter gives up on a silent node after 5 s;
   * this resolves after REPLY_TIMEOUT_MS at the latest with the replies that came.
   */
  #ask<T>(event: string, ...args: unknown[]): Promise<T[]> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve([]), REPLY_TIMEOUT_MS);
      timer.unref();
      void this.#emit(event, ...args, (err: Error | null, all: T[]) => {
        clearTimeout(timer);
        if (err) this.#logger.debug({ event, err: err.message }, "a node did not answer in time");
        resolve(all ?? []);
      }).then(() => undefined);
    });
  }
}
