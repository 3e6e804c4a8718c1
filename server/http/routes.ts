import type { IncomingMessage, ServerResponse } from "node:http";
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
export type ApiResult = { status?: number; body: unknown; headers?: Record<string, string> } | void;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** A path with `:name` segments. */
  path: string;
  /** Public routes skip the operator check. */
  public?: boolean;
  handle(r: ApiRequest): Promise<ApiResult> | ApiResult;
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
