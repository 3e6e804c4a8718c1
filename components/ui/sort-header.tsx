"use client";

import { useMemo, useState } from "react";

export type SortDir = "asc" | "desc";

/** Client-side sorting of a small table by one accessor at a time. */
export function useSorted<T, K extends string>(
  rows: readonly T[] | undefined,
  accessors: Record<K, (r: T) => string | number | null>,
  initial: { key: K; dir: SortDir },
) {
  const [sort, setSort] = useState(initial);
  const sorted = useMemo(() => {
    if (!rows) return [];
    const get = accessors[sort.key];
    const m = sort.dir === "asc" ? 1 : -1;
    return [...rows].sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * m;
    });
    // accessors is a fresh literal each render; only the rows, key and direction change the order.
  }, [rows, sort]);
  const toggle = (key: K) => setSort((s) => (s.key === key ? { key, dir: s.dir === "asc" ? "desc" : "asc" } : { key, dir: "desc" }));
  return { sorted, sort, toggle };
}

export function SortTh<K extends string>({
  k,
  label,
  sort,
  toggle,
  num,
}: {
  k: K;
  label: string;
  sort: { key: K; dir: SortDir };
  toggle: (k: K) => void;
  num?: boolean;
}) {
  const active = sort.key === k;
  return (
    <th
      className={num ? "num" : undefined}
      style={{ cursor: "pointer", userSelect: "none" }}
      aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : undefined}
      onClick={() => toggle(k)}
    >
      {label}
      {active ? (sort.dir === "asc" ? " ↑" : " ↓") : ""}
    </th>
  );
}
