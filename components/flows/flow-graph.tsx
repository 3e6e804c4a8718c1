import type { FlowGraph as Graph } from "@/lib/flow-groups";
import { fmtInt } from "@/lib/format";

const W = 960;
const NODE_W = 220;
const ROW = 26;
const TOP = 26;
const MAX_ROWS = 10;
const COLS = [0, (W - NODE_W) / 2, W - NODE_W] as const;
const OTHER = "(other)";

type Node = { name: string; count: number };
type Edge = { from: string; to: string; count: number };

/** Keeps the busiest nodes and folds the rest into "(other)", so the picture stays readable. */
function top(nodes: Node[]): { shown: Node[]; keep: Set<string> } {
  if (nodes.length <= MAX_ROWS) return { shown: nodes, keep: new Set(nodes.map((n) => n.name)) };
  const head = nodes.slice(0, MAX_ROWS - 1);
  const rest = nodes.slice(MAX_ROWS - 1).reduce((s, n) => s + n.count, 0);
  return { shown: [...head, { name: OTHER, count: rest }], keep: new Set(head.map((n) => n.name)) };
}

function fold(edgesIn: Edge[], fromKeep: Set<string>, toKeep: Set<string>): Edge[] {
  const m = new Map<string, Edge>();
  for (const e of edgesIn) {
    const from = fromKeep.has(e.from) ? e.from : OTHER;
    const to = toKeep.has(e.to) ? e.to : OTHER;
    const k = `${from}\u0000${to}`;
    const cur = m.get(k);
    if (cur) cur.count += e.count;
    else m.set(k, { from, to, count: e.count });
  }
  return [...m.values()];
}

/** The vertical centre of a node's box. */
function yOf(list: Node[], name: string): number {
  const i = list.findIndex((n) => n.name === name);
  return TOP + Math.max(0, i) * ROW + (ROW - 6) / 2;
}

/** Message type -> handler -> event types, link widths by count, drawn from the live tail. */
export function FlowGraph({ graph }: { graph: Graph }) {
  const t = top(graph.types);
  const h = top(graph.handlers);
  const ev = top(graph.events);
  const th = fold(graph.typeToHandler, t.keep, h.keep);
  const he = fold(graph.handlerToEvent, h.keep, ev.keep);
  const rows = Math.max(t.shown.length, h.shown.length, ev.shown.length, 1);
  const height = TOP + rows * ROW + 4;
  const maxEdge = Math.max(1, ...th.map((e) => e.count), ...he.map((e) => e.count));
  const cols: [Node[], string][] = [
    [t.shown, "message type"],
    [h.shown, "handler"],
    [ev.shown, "event types"],
  ];

  const link = (e: Edge, a: Node[], b: Node[], x0: number, x1: number, color: string) => {
    const y0 = yOf(a, e.from);
    const y1 = yOf(b, e.to);
    const mx = (x0 + x1) / 2;
    return (
      <path
        key={`${x0}-${e.from}-${e.to}`}
        d={`M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`}
        stroke={color}
        strokeOpacity={0.35}
        strokeWidth={1.5 + (8 * e.count) / maxEdge}
        fill="none"
      >
        <title>{`${e.from} → ${e.to}: ${e.count}`}</title>
      </path>
    );
  };

  return (
    <svg className="flow-graph" viewBox={`0 0 ${W} ${height}`} data-testid="flow-graph" role="img" aria-label="Flow view">
      {cols.map(([, title], ci) => (
        <text key={title} className="col-title" x={COLS[ci]} y={12}>
          {title}
        </text>
      ))}
      {th.map((e) => link(e, t.shown, h.shown, COLS[0] + NODE_W, COLS[1], "var(--accent)"))}
      {he.map((e) => link(e, h.shown, ev.shown, COLS[1] + NODE_W, COLS[2], "var(--cyan)"))}
      {cols.map(([nodes], ci) => {
        const max = Math.max(1, ...nodes.map((n) => n.count));
        return nodes.map((n, i) => {
          const x = COLS[ci] ?? 0;
          const y = TOP + i * ROW;
          return (
            <g key={`${ci}-${n.name}`} data-testid={`flow-node-${ci}`}>
              <rect x={x} y={y} width={NODE_W} height={ROW - 6} rx={4} fill="var(--panel-2)" stroke="var(--border)" />
              <rect x={x} y={y} width={(NODE_W * n.count) / max} height={ROW - 6} rx={4} fill="var(--accent-soft)" />
              <text x={x + 8} y={y + 14}>
                {n.name.length > 24 ? `${n.name.slice(0, 23)}…` : n.name}
              </text>
              <text className="count" x={x + NODE_W - 8} y={y + 14} textAnchor="end">
                {fmtInt(n.count)}
              </text>
            </g>
          );
        });
      })}
    </svg>
  );
}
