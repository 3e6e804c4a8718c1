import { z } from "zod";
import {
  ALERT_STATES,
  type ReplayAgentMode,
  REPLAY_AGENT_MODES,
  type ReplayFaults,
  type ReplayResult,
  REPLAY_FAULTS,
  SESSION_STATUSES,
  SwitchyardError,
  TRACE_KINDS,
} from "../../contract";
import { sessionCookie } from "../auth/cookies";
import type { TokenService } from "../auth/tokens";
import { toFixture } from "../replay/fixture";
import { replayView } from "../replay/replay-service";
import { sessionDetail, sessionSummary } from "../sessions/session-view";
import type { PrometheusMetrics } from "../stats/prometheus";
import { type AlertListQuery, type AlertRecord, alertInfo } from "../store/alert-store";
import type { SessionRecord } from "../store/records";
import type { Page } from "../store/store-reads";
import { readJson, SECURITY_HEADERS } from "./http-kit";
import type { NodeQueries } from "./node-queries";
import { type ApiRequest, type Route, route } from "./routes";

const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const Cursor = z
  .string()
  .regex(/^\d{1,16}_[A-Za-z0-9_.:-]{1,200}$/, "before must be a cursor from X-Next-Cursor")
  .optional();
const Id = z.string().min(1).max(128).optional();
/** A trace list cursor: `<ts>_<seq>`, both numbers (X-Next-Cursor of GET /api/traces). */
const TraceCursor = z
  .string()
  .regex(/^\d{1,16}_\d{1,20}$/, "before must be a cursor from X-Next-Cursor")
  .optional();

/** Validates query parameters; a bad filter is a 400 with the parameter's name. */
function query<S extends z.ZodRawShape>(r: ApiRequest, shape: S): z.infer<z.ZodObject<S>> {
  const parsed = z.object(shape).safeParse(Object.fromEntries(r.url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SwitchyardError("INVALID_MESSAGE", `Invalid query parameter ${issue.path.join(".")}: ${issue.message}`);
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

/** What the operator API needs: the read model, token checks, metrics, and the replay command. */
export interface OperatorApiDeps {
  queries: NodeQueries;
  tokens: TokenService;
  metrics: PrometheusMetrics;
  nodeId: string;
  /** GET /api/alerts: the episodes in the database (read off the router's thread on SQLite). */
  listAlerts: (q: AlertListQuery) => Promise<Page<AlertRecord>>;
  replay: (session: SessionRecord, faults: ReplayFaults, agent: ReplayAgentMode | undefined) => Promise<ReplayResult>;
}

/** The operator HTTP API (PROTOCOL.md "Operator surfaces"), one route per endpoint of the contract's OperatorApi. */
export function apiRoutes({ queries, tokens, metrics, nodeId, listAlerts, replay }: OperatorApiDeps): Route[] {
  const session = async (r: ApiRequest): Promise<SessionRecord> => {
    const found = await queries.findSession(r.params.id!);
    if (!found) throw new SwitchyardError("NOT_FOUND", `No session ${r.params.id}.`);
    return found;
  };
  return [
    route(
      "GET /api/health",
      async () => {
        const health = await queries.health();
        return { status: health.status === "ok" ? 200 : 503, body: health };
      },
      { public: true },
    ),
    route(
      "POST /api/session",
      async (r) => {
        const body = z.object({ token: z.string().min(1).max(4096) }).safeParse(await readJson(r.req));
        if (!body.success) throw new SwitchyardError("INVALID_MESSAGE", 'Send {"token": "<operator token>"}.');
        const identity = await tokens.verify(body.data.token);
        if (!identity)
          throw new SwitchyardError("UNAUTHORIZED", "That token is not valid (malformed, expired or signed with another secret).");
        if (identity.role !== "operator") throw new SwitchyardError("FORBIDDEN", "That token is valid but has no operator role.");
        const secure = r.req.headers["x-forwarded-proto"] === "https";
        return {
          body: { user_id: identity.userId, role: identity.role },
          headers: { "Set-Cookie": sessionCookie(body.data.token, 24 * 3600, secure) },
        };
      },
      { public: true },
    ),
    route("DELETE /api/session", () => ({ body: { ok: true }, headers: { "Set-Cookie": sessionCookie("", 0, false) } }), { public: true }),
    route("GET /api/handlers", () => ({ body: queries.handlerList() })),
    route("GET /api/agents", () => ({ body: queries.agentList() })),
    route("GET /api/handlers/unhandled", (r) => {
      const q = query(r, { limit: Limit, before: Cursor });
      return memoryPage(queries.unhandledList(), q.limit, q.before);
    }),
    route("GET /api/connections", async (r) => {
      const q = query(r, { limit: Limit, before: Cursor, user_id: Id, node_id: Id });
      const list = (await queries.connectionList()).filter(
        (c) => (!q.user_id || c.user_id === q.user_id) && (!q.node_id || c.node_id === q.node_id),
      );
      return memoryPage(list, q.limit, q.before);
    }),
    route("GET /api/users", async (r) => {
      const q = query(r, { limit: Limit, before: Cursor });
      return memoryPage(await queries.userList(), q.limit, q.before);
    }),
    route("GET /api/stats", async () => ({ body: await queries.statsSnapshot() })),
    route("GET /api/stats/series", (r) => {
      const q = query(r, { minutes: z.coerce.number().min(1).max(60).default(15) });
      return { body: queries.series(q.minutes) };
    }),
    route("GET /api/traces", async (r) => {
      const q = query(r, {
        limit: Limit,
        before: TraceCursor,
        run_id: Id,
        user_id: Id,
        type: Id,
        node_id: Id,
        trace_id: Id,
        kind: z.enum(TRACE_KINDS).optional(),
      });
      return page(await queries.listTraces(q));
    }),
    route("GET /api/sessions", async (r) => {
      const q = query(r, { limit: Limit, before: Cursor, user_id: Id, status: z.enum(SESSION_STATUSES).optional() });
      const p = await queries.listSessions(q);
      return page({ items: p.items.map(sessionSummary), next: p.next });
    }),
    route("GET /api/alerts", async (r) => {
      const q = query(r, { limit: Limit, before: Cursor, state: z.enum(ALERT_STATES).optional() });
      const p = await listAlerts(q);
      return page({ items: p.items.map(alertInfo), next: p.next });
    }),
    route("GET /api/sessions/:id", async (r) => ({ body: sessionDetail(await session(r)) })),
    route("POST /api/sessions/:id/replay", async (r) => {
      const body = z
        .object({ faults: z.enum(REPLAY_FAULTS).default("recorded"), agent: z.enum(REPLAY_AGENT_MODES).optional() })
        .safeParse(await readJson(r.req));
      if (!body.success)
        throw new SwitchyardError("INVALID_MESSAGE", 'Send {"faults"?: "recorded" | "none", "agent"?: "recorded" | "live"}.');
      const recorded = await session(r);
      if (recorded.status === "running")
        throw new SwitchyardError("CONFLICT", "The session is still running; replay it once its verdict is final.");
      return { body: await replay(recorded, body.data.faults, body.data.agent) };
    }),
    route("GET /api/sessions/:id/replays", async (r) => {
      const q = query(r, { limit: Limit });
      return { body: (await queries.listReplays(r.params.id!, q.limit)).map(replayView) };
    }),
    route("GET /api/sessions/:id/export", async (r) => {
      const recorded = await session(r);
      const safeName = recorded.id.replace(/[^A-Za-z0-9_.-]/g, "_");
      return {
        body: toFixture(recorded, nodeId),
        headers: { "Content-Disposition": `attachment; filename="${safeName}.json"` },
      };
    }),
    route("GET /metrics", async (r) => {
      const text = await metrics.render();
      r.res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": metrics.contentType });
      r.res.end(text);
    }),
  ];
}
