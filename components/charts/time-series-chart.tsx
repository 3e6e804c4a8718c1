"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { fmtClock } from "@/lib/format";

export interface SeriesLine<K extends string> {
  key: K;
  label: string;
  color: string;
  dashed?: boolean;
}

interface Props<K extends string> {
  data: ReadonlyArray<{ x: number } & Record<K, number | null>>;
  lines: ReadonlyArray<SeriesLine<K>>;
  /** For tooltips: full precision with unit. */
  format: (v: number) => string;
  /** For the axis: short, so ticks never wrap. */
  tickFormat?: (v: number) => string;
  testId: string;
}

/**
 * A compact live line chart. Animation is off: points arrive every second and an animated redraw
 * would never settle.
 */
export function TimeSeriesChart<K extends string>({ data, lines, format, tickFormat, testId }: Props<K>) {
  return (
    <div className="chart-box" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" vertical={false} />
          <XAxis
            dataKey="x"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(v: number) => fmtClock(v, false)}
            stroke="var(--faint)"
            tick={{ fontSize: 10.5, fill: "var(--faint)" }}
            tickLine={false}
            axisLine={{ stroke: "var(--border)" }}
            minTickGap={40}
          />
          <YAxis
            width={44}
            tickFormatter={(v: number) => (tickFormat ?? format)(v)}
            stroke="var(--faint)"
            tick={{ fontSize: 10.5, fill: "var(--faint)" }}
            tickLine={false}
            axisLine={false}
          />
          <Tooltip
            isAnimationActive={false}
            labelFormatter={(v) => fmtClock(Number(v), false)}
            formatter={(v) => (typeof v === "number" ? format(v) : String(v ?? "–"))}
            contentStyle={{
              background: "var(--panel)",
              border: "1px solid var(--border-strong)",
              borderRadius: 5,
              fontSize: 11.5,
              padding: "6px 8px",
            }}
            labelStyle={{ color: "var(--muted)", marginBottom: 2 }}
            itemStyle={{ padding: 0 }}
          />
          <Legend iconType="plainline" iconSize={12} wrapperStyle={{ fontSize: 11.5, color: "var(--muted)" }} />
          {lines.map((l) => (
            <Line
              key={l.key}
              dataKey={l.key}
              name={l.label}
              stroke={l.color}
              strokeWidth={1.6}
              strokeDasharray={l.dashed ? "4 3" : undefined}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
