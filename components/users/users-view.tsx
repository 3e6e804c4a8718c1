"use client";

import { useQuery } from "@tanstack/react-query";
import { Fragment, useMemo, useState } from "react";
import { PageHead } from "@/components/ui/page-head";
import { SortTh, useSorted } from "@/components/ui/sort-header";
import { EmptyTraffic, Empty, ErrorState, Loading } from "@/components/ui/states";
import type { ConnectionInfo, UserSummary } from "@/contract/operator-api";
import { api, LIST_MAX } from "@/lib/api";
import { fmtAgo, fmtDateTime, fmtInt } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { useNow } from "@/lib/use-now";
import { ViolationTraces } from "./violation-traces";

export function UsersView() {
  const users = useQuery({ queryKey: queryKeys.users(), queryFn: api.users, refetchInterval: 2_000 });
  const conns = useQuery({ queryKey: queryKeys.connections(), queryFn: api.connections, refetchInterval: 2_000 });
  const now = useNow(1_000);
  const [q, setQ] = useState("");
  const [open, setOpen] = useState<Set<string>>(new Set());

  const byUser = useMemo(() => {
    const m = new Map<string, ConnectionInfo[]>();
    for (const c of conns.data ?? []) {
      const list = m.get(c.user_id);
      if (list) list.push(c);
      else m.set(c.user_id, [c]);
    }
    return m;
  }, [conns.data]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return (users.data ?? []).filter((u) => !needle || u.user_id.toLowerCase().includes(needle));
  }, [users.data, q]);

  const { sorted, sort, toggle } = useSorted<UserSummary, "user" | "connections" | "events" | "violations" | "activity">(
    rows,
    {
      user: (u) => u.user_id,
      connections: (u) => u.connections,
      events: (u) => u.events_delivered,
      violations: (u) => u.isolation_violations,
      // ISO times of one clock sort as strings.
      activity: (u) => u.last_activity,
    },
    // A stable order by default: sorting a live table by activity makes rows jump every refresh.
    { key: "user", dir: "asc" },
  );
  const offenders = (users.data ?? []).filter((u) => u.isolation_violations > 0);
  const totalViolations = offenders.reduce((s, u) => s + u.isolation_violations, 0);
  // Users with violations stay on top whatever the sort: they are the point of this page.
  const ordered = [...sorted.filter((u) => u.isolation_violations > 0), ...sorted.filter((u) => u.isolation_violations === 0)];

  const toggleOpen = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <div className="stack">
      <PageHead
        title="Users"
        sub="Per-user isolation: each user's connections, the events delivered to them, and any event that reached someone else."
        actions={
          <input
            className="input mono"
            placeholder="search user id"
            aria-label="Search users"
            data-testid="users-search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        }
      />

      {users.data ? (
        totalViolations > 0 ? (
          <div className="banner err" data-testid="isolation-banner" data-violations={totalViolations}>
            <span className="violation-count bad">{fmtInt(totalViolations)}</span>
            <span>
              <b>Isolation violations</b>: an event was addressed to a connection of another user for{" "}
              {offenders.map((u) => u.user_id).join(", ")}. The offending traces are listed under each user below.
            </span>
          </div>
        ) : (
          <div className="banner ok" data-testid="isolation-banner" data-violations={0}>
            <span className="violation-count">0</span>
            <span>No isolation violations: no event has reached a connection of another user.</span>
          </div>
        )
      ) : null}

      <section className="panel">
        <div className="panel-head">
          <h2>Users</h2>
          <span className="hint">
            {users.data ? `${fmtInt(users.data.length)} users · ${fmtInt(conns.data?.length)} open connections` : null}
            {users.data?.length === LIST_MAX || conns.data?.length === LIST_MAX ? ` (first ${fmtInt(LIST_MAX)} shown)` : null}
          </span>
        </div>
        {users.isPending ? (
          <Loading />
        ) : !users.data ? (
          <ErrorState error={users.error} retry={() => void users.refetch()} />
        ) : users.data.length === 0 ? (
          <EmptyTraffic />
        ) : ordered.length === 0 ? (
          <Empty>No user matches “{q}”.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th style={{ width: 24 }} />
                  <SortTh k="user" label="user" sort={sort} toggle={toggle} />
                  <SortTh k="connections" label="connections" sort={sort} toggle={toggle} num />
                  <th>nodes</th>
                  <SortTh k="events" label="events delivered" sort={sort} toggle={toggle} num />
                  <SortTh k="violations" label="isolation violations" sort={sort} toggle={toggle} num />
                  <SortTh k="activity" label="last activity" sort={sort} toggle={toggle} />
                </tr>
              </thead>
              <tbody>
                {ordered.map((u) => {
                  const list = byUser.get(u.user_id) ?? [];
                  const bad = u.isolation_violations > 0;
                  const isOpen = open.has(u.user_id) || bad;
                  const nodes = [...new Set(list.map((c) => c.node_id))];
                  return (
                    <Fragment key={u.user_id}>
                      <tr
                        className={`clickable${bad ? " danger" : ""}`}
                        data-testid="users-row"
                        data-user={u.user_id}
                        onClick={() => toggleOpen(u.user_id)}
                        aria-expanded={isOpen}
                      >
                        <td className="faint">{isOpen ? "▾" : "▸"}</td>
                        <td className="mono" style={{ color: "var(--text-strong)" }}>
                          {u.user_id}
                        </td>
                        <td className="num" data-testid="users-connections">
                          {fmtInt(u.connections)}
                        </td>
                        <td className="mono muted ellipsis" style={{ maxWidth: 200 }}>
                          {nodes.length ? nodes.join(", ") : "–"}
                        </td>
                        <td className="num" data-testid="users-events">
                          {fmtInt(u.events_delivered)}
                        </td>
                        <td className="num">
                          <span className={`violation-count${bad ? " bad" : ""}`} data-testid="users-violations">
                            {fmtInt(u.isolation_violations)}
                          </span>
                        </td>
                        <td className="muted nowrap" title={fmtDateTime(u.last_activity)}>
                          {fmtAgo(u.last_activity, now)}
                        </td>
                      </tr>
                      {isOpen ? (
                        <tr className="sub">
                          <td />
                          <td colSpan={6} style={{ padding: "6px 10px 10px" }}>
                            <UserConnections list={list} now={now} />
                            {bad ? (
                              <div style={{ marginTop: 8 }}>
                                <h3 style={{ margin: "4px 0 6px", color: "var(--err)" }}>Offending traces</h3>
                                <ViolationTraces userId={u.user_id} />
                              </div>
                            ) : null}
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function UserConnections({ list, now }: { list: ConnectionInfo[]; now: number }) {
  if (list.length === 0) return <div className="muted">No open connection.</div>;
  return (
    <table className="table" data-testid="user-connections">
      <thead>
        <tr>
          <th>connection</th>
          <th>transport</th>
          <th>node</th>
          <th>connected since</th>
          <th>last activity</th>
        </tr>
      </thead>
      <tbody>
        {list.map((c) => (
          <tr key={c.connection_id} data-testid="user-connection-row">
            <td className="mono">{c.connection_id}</td>
            <td className="mono" data-testid="connection-transport">
              {c.transport}
            </td>
            <td className="mono muted">{c.node_id}</td>
            <td className="nowrap">
              {fmtDateTime(c.connected_at)} <span className="faint">({fmtAgo(c.connected_at, now)})</span>
            </td>
            <td className="muted">{fmtAgo(c.last_activity, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
