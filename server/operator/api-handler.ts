import type { IncomingMessage, ServerResponse } from "node:http";
import type { TokenService } from "../auth/tokens";
import type { Logger } from "../logger";
import { SwitchyardError } from "../../contract";
import { sendError, sendJson } from "./http-kit";
import { identify, requireOperator } from "./operator-auth";
import { matchPath, type Route } from "./routes";

/** True for paths the custom server answers itself instead of Next. */
export function isApiPath(pathname: string): boolean {
  return pathname === "/metrics" || pathname === "/api" || pathname.startsWith("/api/");
}

/** Serves /api/* and /metrics: route match, operator auth (unless public), JSON errors. */
export function createApiHandler(routes: Route[], tokens: TokenService, logger: Logger, allowedOrigins: string[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      const candidates = routes.map((route) => ({ route, params: matchPath(route.path, url.pathname) })).filter((m) => m.params);
      if (candidates.length === 0) throw new SwitchyardError("NOT_FOUND", `No endpoint ${url.pathname}.`);
      const match = candidates.find((m) => m.route.method === req.method);
      if (!match) throw new SwitchyardError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${url.pathname}.`);
      if (req.method !== "GET") checkOrigin(req, allowedOrigins);
      const identity = await identify(req, tokens);
      if (!match.route.public) requireOperator(identity);
      const result = await match.route.handle({ req, res, url, params: match.params!, identity });
      if (result && !res.headersSent) sendJson(res, result.status ?? 200, result.body, result.headers);
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof SwitchyardError) return sendError(res, err);
      logger.error({ err, path: url.pathname }, "api request failed");
      sendError(res, new SwitchyardError("INTERNAL", "The server failed to answer this request."));
    }
  };
}

/**
 * CSRF defence for mutations: a browser sends Origin on cross-site POST/DELETE; it must be this host
 * or an allowed origin. (The login cookie is also SameSite=Strict.) Requests without Origin are
 * non-browser clients using a bearer token.
 */
function checkOrigin(req: IncomingMessage, allowed: string[]): void {
  const origin = req.headers.origin;
  if (!origin) return;
  const host = req.headers.host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new SwitchyardError("FORBIDDEN", "Bad Origin header.");
  }
  if (originHost === host || allowed.includes(origin)) return;
  throw new SwitchyardError("FORBIDDEN", `Origin ${origin} is not allowed.`);
}
