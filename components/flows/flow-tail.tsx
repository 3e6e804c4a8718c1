"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useRef } from "react";
import type { FlowGroup } from "@/lib/flow-groups";
import { fmtClock, fmtMs, shortId } from "@/lib/format";
import { FlowChain } from "./flow-chain";

const ROW_H = 30;

interface Props {
  groups: readonly FlowGroup[];
  selected: string | null;
  onSelect: (traceId: string) => void;
}

/** The virtualised tail: only the visible rows exist in the DOM, whatever the rate. */
export function FlowTail({ groups, selected, onSelect }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: groups.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 12,
    getItemKey: (i) => groups[i]?.trace_id ?? i,
  });
  return (
    <div role="table" aria-label="Live message flow" data-testid="flows-table">
      <div className="tail-head" role="row">
        <span>time</span>
        <span>user</span>
        <span>type</span>
        <span>handler</span>
        <span>chain</span>
        <span className="num">latency</span>
      </div>
      <div className="tail-scroll" ref={scrollRef}>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const g = groups[item.index];
            if (!g) return null;
            return <FlowRow key={item.key} g={g} top={item.start} selected={g.trace_id === selected} onSelect={onSelect} />;
          })}
        </div>
      </div>
    </div>
  );
}

/**
 * Groups are rebuilt on every flush, so identity says nothing; a chain only looks different when
 * it gained steps, moved, or its selection changed.
 */
function sameRow(a: RowProps, b: RowProps): boolean {
  return (
    a.g.trace_id === b.g.trace_id &&
    a.g.events.length === b.g.events.length &&
    a.top === b.top &&
    a.selected === b.selected &&
    a.onSelect === b.onSelect
  );
}

interface RowProps {
  g: FlowGroup;
  top: number;
  selected: boolean;
  onSelect: (id: string) => void;
}

const FlowRow = memo(function FlowRow({ g, top, selected, onSelect }: RowProps) {
  const latency = g.last_ts - g.first_ts;
  return (
    <div
      role="row"
      className={`tail-row${selected ? " selected" : ""}${g.error ? " failed" : ""}`}
      style={{ transform: `translateY(${top}px)` }}
      data-testid="flows-row"
      data-trace-id={g.trace_id}
      data-user={g.user_id ?? ""}
      data-type={g.message_type ?? ""}
      onClick={() => onSelect(g.trace_id)}
    >
      <span className="mono faint">{fmtClock(g.first_ts)}</span>
      <span className="mono ellipsis" title={g.user_id ?? undefined}>
        {g.user_id ?? "–"}
      </span>
      <span className="mono ellipsis" title={g.message_type ?? undefined}>
        {g.message_type ?? "–"}
      </span>
      <span className="ellipsis muted" title={g.handler ?? undefined}>
        {g.handler ?? (g.run_id ? `run ${shortId(g.run_id, 6)}` : "–")}
      </span>
      <FlowChain g={g} />
      <span className="num mono muted">{g.events.length > 1 ? fmtMs(latency) : "–"}</span>
    </div>
  );
}, sameRow);
