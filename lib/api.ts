/**
 * Fetch helpers for the operator HTTP API. Every type comes from the contract's `OperatorApi` map;
 * nothing here declares a response shape. Browser only: same origin, cookie auth, never server/.
 */
import { isErrorCode, SwitchyardError } from "@/contract/errors";
import type { AlertQuery, Endpoint, OperatorApi, ResponseOf, SessionQuery, TraceQuery } from "@/contract/operator-api";
import type { ReplayAgentMode, ReplayFaults } from "@/contract/sessions";

type MethodOf<E extends Endpoint> = E extends `${infer M} ${string}` ? M : never;
type PathOf<E extends Endpoint> = E extends `${string} ${infer P}` ? P : never;
type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | ParamNames<Rest>
  : P extends `${string}:${infer N}`
    ? N
    : never;

/** What a call of endpoint `E` needs: its path parameters, its query, its body, as the contract says. */
export type CallOptions<E extends Endpoint> = ([ParamNames<PathOf<E>>] extends [never]
  ? { params?: undefined }
  : { params: Record<ParamNames<PathOf<E>>, string> }) &
  (OperatorApi[E] extends { query: infer Q } ? { query?: Q } : { query?: undefined }) &
  (OperatorApi[E] extends { body: infer B } ? { body: B } : { body?: undefined }) & {
    /** Login itself must not bounce to /login on 401: it shows the error instead. */
    redirectOn401?: boolean;
    signal?: AbortSignal;
  };

/** What `request` reads of its options once the endpoint's types have been checked. */
interface LooseOptions {
  params?: Record<string, string>;
  query?: unknown;
  body?: unknown;
  redirectOn401?: boolean;
  signal?: AbortSignal;
}

/** The options argument, optional when nothing in it is required. */
type OptionsArg<E extends Endpoint> = object extends CallOptions<E> ? [opts?: CallOptions<E>] : [opts: CallOptions<E>];

/** The URL of an endpoint: path parameters filled in, the query appended. */
export function urlOf<E extends Endpoint>(endpoint: E, params?: Record<string, string>, query?: unknown): string {
  const path = endpoint
    .slice(endpoint.indexOf(" ") + 1)
    .replace(/:([A-Za-z_]+)/g, (_, name: string) => encodeURIComponent(params?.[name] ?? ""));
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(typeof query === "object" && query !== null ? query : {})) {
    if (v === undefined || v === null || v === "") continue;
    sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

let redirecting = false;

/** A 401 means the cookie is gone or expired: the whole console is unusable, so go log in again. */
function redirectToLogin(): void {
  if (typeof window === "undefined" || redirecting) return;
  if (window.location.pathname === "/login") return;
  redirecting = true;
  window.location.assign("/login");
}

/** The error a failed answer stands for: the contract's body when there is one, BAD_RESPONSE otherwise. */
function errorOf(status: number, data: unknown, what: string): SwitchyardError {
  if (typeof data === "object" && data !== null && "error" in data) {
    const e = data.error;
    if (typeof e === "object" && e !== null && "code" in e && "message" in e && isErrorCode(e.code) && typeof e.message === "string") {
      return new SwitchyardError(e.code, e.message, { status });
    }
  }
  return new SwitchyardError("BAD_RESPONSE", `${what} failed with HTTP ${status}.`, { status });
}

/** The one fetch of the dashboard: same origin, cookie auth, failures thrown as SwitchyardError. */
export async function request<E extends Endpoint>(endpoint: E, ...[opts]: OptionsArg<E>): Promise<ResponseOf<E>> {
  const { params, query, body, redirectOn401 = true, signal }: LooseOptions = opts ?? {};
  const method = endpoint.slice(0, endpoint.indexOf(" ")) as MethodOf<E>;
  const url = urlOf(endpoint, params, query);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new SwitchyardError("NETWORK", "The server is unreachable.", { status: 0, cause: err });
  }
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && redirectOn401) redirectToLogin();
    throw errorOf(res.status, data, `${method} ${url}`);
  }
  if (data === undefined) throw new SwitchyardError("BAD_RESPONSE", `${method} ${url} answered without JSON.`, { status: res.status });
  return data as ResponseOf<E>;
}

type PathsOf<M extends string> = Endpoint extends infer E ? (E extends `${M} ${infer P}` ? P : never) : never;

export const get = <P extends PathsOf<"GET">>(path: P, ...opts: OptionsArg<Extract<Endpoint, `GET ${P}`>>) =>
  request(`GET ${path}` as Extract<Endpoint, `GET ${P}`>, ...opts);
export const post = <P extends PathsOf<"POST">>(path: P, ...opts: OptionsArg<Extract<Endpoint, `POST ${P}`>>) =>
  request(`POST ${path}` as Extract<Endpoint, `POST ${P}`>, ...opts);
export const del = <P extends PathsOf<"DELETE">>(path: P, ...opts: OptionsArg<Extract<Endpoint, `DELETE ${P}`>>) =>
  request(`DELETE ${path}` as Extract<Endpoint, `DELETE ${P}`>, ...opts);

/** The largest `limit` a list endpoint accepts. */
export const LIST_MAX = 1000;

/** One wrapper per endpoint the console calls; every answer's type is the contract's. */
export const api = {
  health: () => get("/api/health"),
  login: (token: string) => post("/api/session", { body: { token }, redirectOn401: false }),
  logout: () => del("/api/session", { redirectOn401: false }),
  stats: () => get("/api/stats"),
  series: (minutes: number) => get("/api/stats/series", { query: { minutes } }),
  handlers: () => get("/api/handlers"),
  agents: () => get("/api/agents"),
  unhandled: () => get("/api/handlers/unhandled"),
  // Lists default to 100 rows; these two are read whole (up to the contract's max) to join them.
  users: () => get("/api/users", { query: { limit: LIST_MAX } }),
  connections: () => get("/api/connections", { query: { limit: LIST_MAX } }),
  traces: (query: TraceQuery) => get("/api/traces", { query }),
  sessions: (query: SessionQuery) => get("/api/sessions", { query }),
  session: (id: string) => get("/api/sessions/:id", { params: { id } }),
  replay: (id: string, faults: ReplayFaults, agent?: ReplayAgentMode) =>
    post("/api/sessions/:id/replay", { params: { id }, body: agent ? { faults, agent } : { faults } }),
  replays: (id: string) => get("/api/sessions/:id/replays", { params: { id } }),
  alerts: (query: AlertQuery) => get("/api/alerts", { query }),
  exportUrl: (id: string) => urlOf("GET /api/sessions/:id/export", { id }),
} as const;
