"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ErrorState, Loading } from "@/components/ui/states";
import { api } from "@/lib/api";
import { fmtDateTime, shortId } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";

/** The offending traces of one user's isolation violations (GET /api/traces?kind=isolation_violation). */
export function ViolationTraces({ userId }: { userId: string }) {
  const filter = { kind: "isolation_violation" as const, user_id: userId, limit: 50 };
  const q = useQuery({ queryKey: queryKeys.traces(filter), queryFn: () => api.traces(filter), refetchInterval: 10_000 });
  if (q.isPending) return <Loading compact label="Loading offending traces…" />;
  if (!q.data) return <ErrorState compact error={q.error} retry={() => void q.refetch()} />;
  if (q.data.length === 0) return <div className="state compact">The offending traces are no longer retained.</div>;
  return (
    <table className="table" data-testid="violation-traces">
      <thead>
        <tr>
          <th>when</th>
          <th>trace</th>
          <th>event type</th>
          <th>reached connection</th>
          <th>run</th>
          <th>node</th>
          <th>detail</th>
        </tr>
      </thead>
      <tbody>
        {q.data.map((t) => (
          <tr key={t.id} className="danger" data-testid="violation-trace">
            <td className="mono nowrap">{fmtDateTime(t.ts)}</td>
            <td className="mono" title={t.trace_id}>
              {shortId(t.trace_id)}
            </td>
            <td className="mono">{t.message_type ?? "–"}</td>
            <td className="mono">{t.connection_id ?? "–"}</td>
            <td className="mono">{t.run_id ? <Link href={`/sessions/${encodeURIComponent(t.run_id)}`}>{shortId(t.run_id)}</Link> : "–"}</td>
            <td className="mono muted">{t.node_id}</td>
            <td className="err-text">{t.error ? `${t.error.code}: ${t.error.message}` : "event addressed to another user"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
