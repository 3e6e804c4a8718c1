"use client";

import { TRANSPORTS } from "@/contract/operator-api";
import { TRACE_KINDS } from "@/contract/trace";
import type { FlowFilter } from "@/lib/flow-groups";

interface Props {
  value: FlowFilter;
  onChange: (f: FlowFilter) => void;
  types: readonly string[];
}

/** Filters of the live tail: user, message type, handler, kind, transport, run. */
export function FlowFilters({ value, onChange, types }: Props) {
  const set = (k: keyof FlowFilter) => (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value });
  return (
    <div className="filters" data-testid="flows-filters">
      <input
        className="input mono"
        placeholder="user id"
        aria-label="Filter by user"
        data-testid="flows-filter-user"
        value={value.user_id}
        onChange={set("user_id")}
      />
      <input
        className="input mono"
        placeholder="message type"
        aria-label="Filter by message type"
        data-testid="flows-filter-type"
        list="flows-known-types"
        value={value.type}
        onChange={set("type")}
      />
      <datalist id="flows-known-types">
        {types.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <input
        className="input"
        placeholder="handler"
        aria-label="Filter by handler"
        data-testid="flows-filter-handler"
        value={value.handler}
        onChange={set("handler")}
      />
      <select className="select" aria-label="Filter by kind" data-testid="flows-filter-kind" value={value.kind} onChange={set("kind")}>
        <option value="">any kind</option>
        {TRACE_KINDS.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <select
        className="select"
        aria-label="Filter by transport"
        data-testid="flows-filter-transport"
        value={value.transport}
        onChange={set("transport")}
      >
        <option value="">any transport</option>
        {TRANSPORTS.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <input
        className="input mono"
        placeholder="run id"
        aria-label="Filter by run"
        data-testid="flows-filter-run"
        value={value.run_id}
        onChange={set("run_id")}
      />
    </div>
  );
}
