import { ALIASES, CLIENT_PAYLOADS, type ClientType, SERVER_ONLY_TYPES } from "../../contract";
import type { HandlerDefinition, HandlerFamily, RegisteredHandler, Resolution } from "./handler-types";

const SERVER_ONLY: ReadonlySet<string> = new Set(SERVER_ONLY_TYPES);

/**
 * The one handler registry: each canonical type and each alias resolves to exactly one handler.
 * A second registration for a type throws at start-up naming both handlers.
 */
export class HandlerRegistry {
  readonly #byType = new Map<ClientType, RegisteredHandler>();
  readonly #aliases = new Map<string, ClientType>();

  constructor() {
    for (const [alias, canonical] of Object.entries(ALIASES)) this.#aliases.set(alias, canonical);
  }

  /** Registers every handler of a family under the family's source name. */
  registerFamily(family: HandlerFamily): void {
    for (const def of family.handlers) this.register(def, family.source);
  }

  /** Registers one handler; throws when the type is reserved, unknown or already taken. */
  register(def: HandlerDefinition, source: string): void {
    const type = def.type as string;
    if (SERVER_ONLY.has(type)) {
      throw new Error(`Cannot register "${def.handler}" for "${type}": it is a server-only type (clients may not send it).`);
    }
    if (!(type in CLIENT_PAYLOADS)) {
      throw new Error(`Cannot register "${def.handler}" for "${type}": declare the type and its payload in message-types.ts first.`);
    }
    const existing = this.#byType.get(def.type);
    if (existing) {
      throw new Error(
        `Duplicate handler for "${type}": "${def.handler}" (${source}) conflicts with "${existing.definition.handler}" (${existing.source}). Each type has exactly one handler.`,
      );
    }
    const aliases = [...this.#aliases].filter(([, canonical]) => canonical === def.type).map(([alias]) => alias);
    this.#byType.set(def.type, { type: def.type, aliases, source, definition: def });
  }

  /** Resolves a client's type name (canonical or alias). */
  resolve(name: string): Resolution {
    const canonical = (this.#aliases.get(name) ?? name) as ClientType;
    const entry = this.#byType.get(canonical);
    if (entry) return { kind: "handled", entry };
    if (SERVER_ONLY.has(name)) return { kind: "server_only" };
    return { kind: "unknown" };
  }

  /** Every registered handler, in registration order. */
  entries(): RegisteredHandler[] {
    return [...this.#byType.values()];
  }

  /** Throws unless every client type of the contract has a handler; called once at start-up. */
  assertComplete(): void {
    const missing = (Object.keys(CLIENT_PAYLOADS) as ClientType[]).filter((t) => !this.#byType.has(t));
    if (missing.length) throw new Error(`No handler registered for: ${missing.join(", ")}`);
  }
}
