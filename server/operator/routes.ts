import type { IncomingMessage, ServerResponse } from "node:http";
import type { Endpoint, ResponseOf } from "../../contract";
import type { Identity } from "../auth/identity";

/** One request as a route handler sees it. */
export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  identity: Identity | null;
}

/** What a route returns: a JSON body (with optional status and headers), or nothing when it wrote the response itself. */
export type ApiResult<B = unknown> = { status?: number; body: B; headers?: Record<string, string> } | void;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** A path with `:name` segments. */
  path: string;
  /** Public routes skip the operator check. */
  public?: boolean;
  handle(r: ApiRequest): Promise<ApiResult> | ApiResult;
}

/**
 * Declares the route of one endpoint of the contract's OperatorApi: its method and path come from the
 * endpoint's name, and its body must be the endpoint's declared response type.
 */
export function route<E extends Endpoint>(
  endpoint: E,
  handle: (r: ApiRequest) => Promise<ApiResult<ResponseOf<E>>> | ApiResult<ResponseOf<E>>,
  options: { public?: boolean } = {},
): Route {
  const [method, path] = endpoint.split(" ") as [Route["method"], string];
  return { method, path, handle, ...options };
}

/** Compiles a route path into a matcher returning its params, or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const a = pattern.split("/");
  const b = pathname.split("/");
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const seg = a[i]!;
    if (seg.startsWith(":")) {
      try {
        params[seg.slice(1)] = decodeURIComponent(b[i]!);
      } catch {
        return null;
      }
    } else if (seg !== b[i]) return null;
  }
  return params;
}
