import { z } from "zod";
import { sessionCookie } from "../auth/cookies";
import type { SwitchyardNode } from "../node";
import { SESSION_STATUSES } from "../sessions/session-view";
import { TRACE_KINDS } from "../trace/trace-event";
import { HttpError, readJson, SECURITY_HEADERS } from "./http-kit";
import type { ApiRequest, Route } from "./routes";
import { sessionDetail, sessionSummary } from "../sessions/session-view";
import { toFixture } from "../replay/fixture";
import { replayAndStore, replayView } from "../replay/replay-service";

const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const Cursor = z
  .string()
  .regex(/^\d{1,16}_[A-Za-z0-9_.:-]{1,200}$/, "before must be a cursor from X-Next-Cursor")
  .optional();
const Id = z.string().min(1).max(128).optional();

/** Validates query parameters; a bad filter is a 400 with the parameter's name. */
function query<S extends z.ZodRawShape>(r: ApiRequest, shape: S): z.infer<z.ZodObject<S>> {
  const parsed = z.object(shape).safeParse(Object.fromEntries(r.url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HttpError(400, "INVALID_MESSAGE", `Invalid query parameter ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

const page = <T>(p: { items: T[]; next: string | null }): { body: T[]; headers: Record<string, string> } => ({
  body: p.items,
  headers: p.next ? { "X-Next-Cursor": p.next } : {},
});

/** Slices an in-memory newest-first list by limit; the cursor is the offset. */
function memoryPage<T>(items: T[], limit: number, before: string | undefined) {
  const offset = before ? Number(before.split("_")[1]) || 0 : 0;
  const slice = items.slice(offset, offset + limit);
  return page({ items: slice, next: offset + limit < items.length ? `0_${offset + limit}` : null });
}

/** The operator HTTP API (PROTOCOL.md "Operator surfaces"). */
export function apiRoutes(node: SwitchyardNode): Route[] {
  return [
    {
      method: "GET",
      path: "/api/health",
      public: true,
      handle: async () => {
        const health = await node.health();
        return { status: health.status === "ok" ? 200 : 503, body: health };
      },
    },
    {
      method: "POST",
      path: "/api/session",
      public: true,
      handle: async (r) => {
        const body = z.object({ token: z.string().min(1).max(4096) }).safeParse(await readJson(r.req));
        if (!body.success) throw new HttpError(400, "INVALID_MESSAGE", 'Send {"token": "<operator token>"}.');
        const identity = await node.tokens.verify(body.data.token);
        if (!identity)
          throw new HttpError(401, "UNAUTHORIZED", "That token is not valid (malformed, expired or signed with another secret).");
        if (identity.role !== "operator") throw new HttpError(403, "FORBIDDEN", "That token is valid but has no operator role.");
        const secure = r.req.headers["x-forwarded-proto"] === "https";
        return {
          body: { user_id: identity.userId, role: identity.role },
          headers: { "Set-Cookie": sessionCookie(body.data.token, 24 * 3600, secure) },
        };
      },
    },
    {
      method: "DELETE",
      path: "/api/session",
      public: true,
      handle: () => ({ body: { ok: true }, headers: { "Set-Cookie": sessionCookie("", 0, false) } }),
    },
    { method: "GET", path: "/api/handlers", handle: () => ({ body: node.handlerList() }) },
    {
      method: "GET",
      path: "/api/handlers/unhandled",
      handle: (r) => {
        const q = query(r, { limit: Limit, before: Cursor });
        const list = [...node.stats.unhandled]
          .map(([type, u]) => ({ type, count: u.count, last_seen: new Date(u.lastSeen).toISOString() }))
          .sort((a, b) => b.last_seen.localeCompare(a.last_seen));
        return memoryPage(list, q.limit, q.before);
      },
    },
    {
      method: "GET",
      path: "/api/connections",
      handle: async (r) => {
        const q = query(r, { limit: Limit, before: Cursor, user_id: Id, node_id: Id });
        const list = (await node.connectionList()).filter(
          (c) => (!q.user_id || c.user_id === q.user_id) && (!q.node_id || c.node_id === q.node_id),
        );
        return memoryPage(list, q.limit, q.before);
      },
    },
    {
      method: "GET",
      path: "/api/users",
      handle: async (r) => {
        const q = query(r, { limit: Limit, before: Cursor });
        return memoryPage(await node.userList(), q.limit, q.before);
      },
    },
    { method: "GET", path: "/api/stats", handle: async () => ({ body: await node.statsSnapshot() }) },
    {
      method: "GET",
      path: "/api/stats/series",
      handle: (r) => {
        const q = query(r, { minutes: z.coerce.number().min(1).max(60).default(15) });
        return { body: node.stats.series(q.minutes) };
      },
    },
    {
      method: "GET",
      path: "/api/traces",
      handle: async (r) => {
        const q = query(r, {
          limit: Limit,
          before: Cursor,
          run_id: Id,
          user_id: Id,
          type: Id,
          node_id: Id,
          trace_id: Id,
          kind: z.enum(TRACE_KINDS).optional(),
        });
        return page(await node.persistence.listTraces(q));
      },
    },
    {
      method: "GET",
      path: "/api/sessions",
      handle: async (r) => {
        const q = query(r, { limit: Limit, before: Cursor, user_id: Id, status: z.enum(SESSION_STATUSES).optional() });
        const p = await node.persistence.listSessions(q);
        return page({ items: p.items.map(sessionSummary), next: p.next });
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id",
      handle: async (r) => {
        const session = await node.findSession(r.params.id!);
        if (!session) throw new HttpError(404, "NOT_FOUND", `No session ${r.params.id}.`);
        return { body: sessionDetail(session) };
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/replay",
      handle: async (r) => {
        const body = z.object({ faults: z.enum(["recorded", "none"]).default("recorded") }).safeParse(await readJson(r.req));
        if (!body.success) throw new HttpError(400, "INVALID_MESSAGE", 'Send {"faults": "recorded" | "none"}.');
        const session = await node.findSession(r.params.id!);
        if (!session) throw new HttpError(404, "NOT_FOUND", `No session ${r.params.id}.`);
        if (session.status === "running")
          throw new HttpError(409, "CONFLICT", "The session is still running; replay it once its verdict is final.");
        return { body: await replayAndStore(session, body.data.faults, node.config, node.logger, node.persistence) };
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/replays",
      handle: async (r) => {
        const q = query(r, { limit: Limit });
        return { body: (await node.persistence.listReplays(r.params.id!, q.limit)).map(replayView) };
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/export",
      handle: async (r) => {
        const session = await node.findSession(r.params.id!);
        if (!session) throw new HttpError(404, "NOT_FOUND", `No session ${r.params.id}.`);
        const safeName = session.id.replace(/[^A-Za-z0-9_.-]/g, "_");
        return {
          body: toFixture(session, node.config.NODE_ID),
          headers: { "Content-Disposition": `attachment; filename="${safeName}.json"` },
        };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handle: async (r) => {
        const text = await node.metrics.render();
        r.res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": node.metrics.contentType });
        r.res.end(text);
      },
    },
  ];
}
