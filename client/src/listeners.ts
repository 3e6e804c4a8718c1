import type { AnyServerEvent, ServerEvent, ServerType } from "../../contract/server-events";

/** A listener of one event type. */
export type EventHandler<T extends ServerType> = (event: ServerEvent<T>) => void;

/** A listener of every event. */
export type AnyHandler = (event: AnyServerEvent) => void;

/** Typed event listeners by type, plus catch-all ones; each `on` returns its unsubscribe function. */
export class Listeners {
  readonly #byType = new Map<ServerType, Set<(event: AnyServerEvent) => void>>();
  readonly #any = new Set<AnyHandler>();

  /** Calls `handler` with every event of `type`, its payload typed; returns the unsubscribe function. */
  on<T extends ServerType>(type: T, handler: EventHandler<T>): () => void {
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, (set = new Set()));
    const wide = handler as unknown as (event: AnyServerEvent) => void;
    set.add(wide);
    return () => void set.delete(wide);
  }

  /** Calls `handler` with every event; returns the unsubscribe function. */
  onAny(handler: AnyHandler): () => void {
    this.#any.add(handler);
    return () => void this.#any.delete(handler);
  }

  /** Hands an event to its listeners; a throwing listener is reported on the console, not to the others. */
  dispatch(event: AnyServerEvent): void {
    for (const handler of [...(this.#byType.get(event.type) ?? []), ...this.#any]) {
      try {
        handler(event);
      } catch (err) {
        console.error("switchyard client: a listener threw", err);
      }
    }
  }

  /** Forgets every listener. */
  clear(): void {
    this.#byType.clear();
    this.#any.clear();
  }
}
