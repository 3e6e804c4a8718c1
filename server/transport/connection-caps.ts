import { type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { SwitchyardError } from "../../contract";
import { rawErrorResponse, sendError } from "../operator/http-kit";

/** The caps, from MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS (0: none) and TRUST_PROXY. */
export interface ConnectionCapsOptions {
  maxConnections: number;
  maxPerAddress: number;
  trustProxy: boolean;
}

/** How long a refused socket is still read (and what it sends dropped) after its answer, at most. */
const REFUSAL_LINGER_MS = 1000;
/** Longer forwarded "addresses" are cut: the map's keys stay small whatever a client writes. */
const MAX_ADDRESS_CHARS = 100;

/**
 * The TCP connection caps (PROTOCOL.md "Starting the server"): at most MAX_CONNECTIONS open connections on
 * the node and MAX_CONNECTIONS_PER_ADDRESS per client address. A new connection past a cap is answered with
 * a minimal HTTP/1.1 response, 503 SERVER_BUSY (global) or 429 TOO_MANY_CONNECTIONS (per address), with the
 * contract's JSON error body, and closed: it never reaches Node's HTTP parser, hence neither the API, Next,
 * Socket.IO nor /ws. Connections already open are never touched.
 *
 * What an address counts:
 * - without TRUST_PROXY, the socket's peer address: each open TCP connection once, from `connection` to
 *   `close`, however many keep-alive requests it carries;
 * - with TRUST_PROXY, the first X-Forwarded-For hop (the peer when there is none). Only a request names
 *   it, and one proxy connection carries the requests of many clients, so the address counts each request
 *   in flight (until its response closes; an open SSE stream counts) and each upgraded connection (until
 *   its socket closes); idle keep-alive connections count toward MAX_CONNECTIONS only. A request past the
 *   cap gets its 429 on the proxy's connection, which stays open; an upgrade past it is answered on the
 *   raw socket, then closed. The proxy must overwrite the header a client sends, or the client picks its
 *   own address.
 */
export class ConnectionCaps {
  #open = 0;
  #refused = 0;
  readonly #perAddress = new Map<string, number>();

  constructor(private readonly options: ConnectionCapsOptions) {}

  /** Open TCP connections admitted (refused ones are never counted). */
  get open(): number {
    return this.#open;
  }
  /** Addresses holding at least one slot (0 once everything has closed). */
  get addresses(): number {
    return this.#perAddress.size;
  }
  /** Connections, requests and upgrades refused since start. */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Puts the caps in front of everything else on `http`: its `emit` is wrapped, so a refused connection
   * (or, with TRUST_PROXY, request or upgrade) is answered before any listener, whenever it was added.
   */
  install(http: HttpServer): void {
    const emit = http.emit.bind(http) as (event: string | symbol, ...args: unknown[]) => boolean;
    const gated = (event: string | symbol, ...args: unknown[]): boolean => {
      if (event === "connection" && !this.#admitConnection(args[0] as Socket)) return true;
      if (this.options.trustProxy && event === "request" && !this.#admitRequest(args[0] as IncomingMessage, args[1] as ServerResponse)) {
        return true;
      }
      if (this.options.trustProxy && event === "upgrade" && !this.#admitUpgrade(args[0] as IncomingMessage, args[1] as Duplex)) {
        return true;
      }
      return emit(event, ...args);
    };
    http.emit = gated as HttpServer["emit"];
  }

  /** A new TCP connection: counted until it closes, or refused on the spot. */
  #admitConnection(socket: Socket): boolean {
    if (this.#open >= this.options.maxConnections) {
      return this.#refuse(socket, new SwitchyardError("SERVER_BUSY", "The server is at MAX_CONNECTIONS; try again later."));
    }
    const release = this.options.trustProxy ? () => undefined : this.#takeAddress(socket.remoteAddress);
    if (!release) return this.#refuse(socket, perAddressRefusal());
    this.#open++;
    socket.once("close", () => {
      this.#open--;
      release();
    });
    return true;
  }

  /** TRUST_PROXY: a request of the forwarded address, counted until its response closes. */
  #admitRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const release = this.#takeAddress(forwardedAddress(req));
    if (!release) {
      this.#refused++;
      sendError(res, perAddressRefusal());
      return false;
    }
    res.once("close", release);
    return true;
  }

  /** TRUST_PROXY: an upgrade of the forwarded address, counted until its socket closes. */
  #admitUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const release = this.#takeAddress(forwardedAddress(req));
    if (!release) return this.#refuse(socket, perAddressRefusal());
    socket.once("close", release);
    return true;
  }

  /** A slot of `raw`'s address, or null when the address is at the cap; its release runs once. */
  #takeAddress(raw: string | undefined): (() => void) | null {
    const max = this.options.maxPerAddress;
    if (max === 0 || raw === undefined) return () => undefined;
    const address = normalizeAddress(raw);
    const held = this.#perAddress.get(address) ?? 0;
    if (held >= max) return null;
    this.#perAddress.set(address, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#perAddress.set(address, left);
      else this.#perAddress.delete(address);
    };
  }

  #refuse(socket: Duplex, err: SwitchyardError): false {
    this.#refused++;
    refuseSocket(socket, err);
    return false;
  }
}

const perAddressRefusal = () => new SwitchyardError("TOO_MANY_CONNECTIONS", "This address is at MAX_CONNECTIONS_PER_ADDRESS.");

/** The first X-Forwarded-For hop, else the socket's peer. */
function forwardedAddress(req: IncomingMessage): string | undefined {
  const header = req.headers["x-forwarded-for"];
  const first = (Array.isArray(header) ? header[0] : header)?.split(",")[0]?.trim();
  return first ? first.slice(0, MAX_ADDRESS_CHARS) : req.socket.remoteAddress;
}

/** One key per client: an IPv4 address and its IPv6-mapped form count together. */
function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice("::ffff:".length) : lower;
}

/**
 * Answers a refused socket with the error's HTTP status and JSON body and closes it. What the client sends
 * meanwhile is read and dropped (closing on unread bytes would send a reset, which can destroy the answer
 * before the client reads it); the socket closes once both sides are done, or after REFUSAL_LINGER_MS.
 */
function refuseSocket(socket: Duplex, err: SwitchyardError): void {
  socket.on("error", () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  linger.unref();
  socket.once("close", () => clearTimeout(linger));
  socket.resume();
  socket.end(rawErrorResponse(err));
}
