"use client";

import { useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { io, type Socket } from "socket.io-client";
import type { SeriesPoint } from "@/contract/operator-api";
import type { InspectorClientToServer, InspectorServerToClient } from "@/contract/socket-events";
import type { TraceFilter, TraceKind } from "@/contract/trace";
import { queryKeys } from "./query-keys";
import { TraceTail, type TailSnapshot } from "./trace-tail";

type InspectorSocket = Socket<InspectorServerToClient, InspectorClientToServer>;

export type InspectorStatus = "connecting" | "live" | "reconnecting" | "unauthorized" | "forbidden";

/** The overview's window; the live `stats` points extend this one series query. */
export const SERIES_MINUTES = 15;
const SERIES_CAP = SERIES_MINUTES * 60;
const TAIL_CAPACITY = 2000;

export interface InspectorContextValue {
  status: InspectorStatus;
  /** The last connect error, for the status indicator's tooltip. */
  lastError: string | null;
  tail: TraceTail;
  filter: TraceFilter;
  paused: boolean;
  subscribe: (f: TraceFilter) => void;
  pause: () => void;
  resume: () => void;
}

const InspectorContext = createContext<InspectorContextValue | null>(null);

/** Kinds whose arrival means a list elsewhere on the console is out of date. */
const INVALIDATES: Partial<Record<TraceKind, readonly (() => QueryKey)[]>> = {
  connection_opened: [queryKeys.connections, queryKeys.users, queryKeys.stats],
  connection_closed: [queryKeys.connections, queryKeys.users, queryKeys.stats],
  session_verdict: [queryKeys.sessionsAll, queryKeys.stats],
  isolation_violation: [queryKeys.users, queryKeys.tracesAll, queryKeys.stats],
};

/** Collects keys to invalidate and flushes them at most once a second, however fast traces arrive. */
function createInvalidator(qc: QueryClient): { add: (k: readonly (() => QueryKey)[]) => void; stop: () => void } {
  const pending = new Map<string, QueryKey>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    add(keys) {
      for (const k of keys) {
        const key = k();
        pending.set(JSON.stringify(key), key);
      }
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        for (const key of pending.values()) void qc.invalidateQueries({ queryKey: key });
        pending.clear();
      }, 1000);
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
    },
  };
}

function appendPoint(old: SeriesPoint[] | undefined, p: SeriesPoint): SeriesPoint[] | undefined {
  // Without a loaded history there is nothing to extend; the overview fetches it when it mounts.
  if (!old) return old;
  const last = old[old.length - 1];
  const next = last && last.t === p.t ? [...old.slice(0, -1), p] : [...old, p];
  return next.length > SERIES_CAP ? next.slice(next.length - SERIES_CAP) : next;
}

function isEmptyFilter(f: TraceFilter): boolean {
  return Object.values(f).every((v) => v === undefined || v === "");
}

/** One socket per tab to `/inspector`, feeding the React Query cache and the trace tail. */
export function InspectorProvider({ children }: { children: ReactNode }): ReactNode {
  const qc = useQueryClient();
  const [status, setStatus] = useState<InspectorStatus>("connecting");
  const [lastError, setLastError] = useState<string | null>(null);
  const [filter, setFilter] = useState<TraceFilter>({});
  const [paused, setPaused] = useState(false);
  const tail = useMemo(() => new TraceTail(TAIL_CAPACITY, 250), []);
  const socketRef = useRef<InspectorSocket | null>(null);
  // The latest filter and pause state, re-sent after every reconnect.
  const stateRef = useRef<{ filter: TraceFilter; paused: boolean }>({ filter: {}, paused: false });

  useEffect(() => {
    const socket: InspectorSocket = io("/inspector", { withCredentials: true, transports: ["websocket"] });
    socketRef.current = socket;
    const invalidator = createInvalidator(qc);
    let retry: ReturnType<typeof setTimeout> | null = null;

    socket.on("connect", () => {
      setStatus("live");
      setLastError(null);
      const { filter: f, paused: p } = stateRef.current;
      if (!isEmptyFilter(f)) socket.emit("subscribe", f);
      if (p) socket.emit("pause");
    });
    socket.on("disconnect", (reason) => {
      setStatus("reconnecting");
      setLastError(reason);
      // A server-side disconnect is not retried by socket.io itself.
      if (reason === "io server disconnect") retry = setTimeout(() => socket.connect(), 2000);
    });
    socket.on("connect_error", (err) => {
      setLastError(err.message);
      if (err.message === "UNAUTHORIZED") {
        setStatus("unauthorized");
        if (window.location.pathname !== "/login") window.location.assign("/login");
        return;
      }
      if (err.message === "FORBIDDEN") {
        setStatus("forbidden");
        return;
      }
      setStatus("reconnecting");
      if (!socket.active) retry = setTimeout(() => socket.connect(), 2000);
    });
    socket.on("snapshot", (s) => {
      qc.setQueryData(queryKeys.handlers(), s.handlers);
      qc.setQueryData(queryKeys.connections(), s.connections);
      qc.setQueryData(queryKeys.stats(), s.stats);
      qc.setQueryData(queryKeys.series(SERIES_MINUTES), s.series);
    });
    socket.on("totals", (s) => {
      qc.setQueryData(queryKeys.stats(), s);
    });
    socket.on("stats", (p) => {
      qc.setQueryData<SeriesPoint[]>(queryKeys.series(SERIES_MINUTES), (old) => appendPoint(old, p));
    });
    socket.on("trace", ({ events, dropped }) => {
      tail.push(events, dropped);
      for (const e of events) {
        const keys = INVALIDATES[e.kind];
        if (keys) invalidator.add(keys);
      }
    });

    return () => {
      if (retry !== null) clearTimeout(retry);
      invalidator.stop();
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [qc, tail]);

  useEffect(() => () => tail.dispose(), [tail]);

  const subscribe = useCallback((f: TraceFilter) => {
    // Empty inputs mean "any": the server would match them literally.
    const clean: TraceFilter = Object.fromEntries(Object.entries(f).filter(([, v]) => v));
    stateRef.current.filter = clean;
    setFilter(clean);
    socketRef.current?.emit("subscribe", clean);
  }, []);

  const pause = useCallback(() => {
    stateRef.current.paused = true;
    setPaused(true);
    socketRef.current?.emit("pause");
  }, []);

  const resume = useCallback(() => {
    stateRef.current.paused = false;
    setPaused(false);
    socketRef.current?.emit("resume");
  }, []);

  const value = useMemo<InspectorContextValue>(
    () => ({ status, lastError, tail, filter, paused, subscribe, pause, resume }),
    [status, lastError, tail, filter, paused, subscribe, pause, resume],
  );
  return createElement(InspectorContext.Provider, { value }, children);
}

/** The inspector connection of this tab; only inside the console layout. */
export function useInspector(): InspectorContextValue {
  const ctx = useContext(InspectorContext);
  if (!ctx) throw new Error("useInspector() needs <InspectorProvider>: did you render this outside app/(console)?");
  return ctx;
}

const EMPTY_TAIL: TailSnapshot = { events: [], dropped: 0, received: 0, version: 0 };

/** The bounded trace tail, re-rendering at most ~4 times a second. */
export function useTraceTail(): TailSnapshot {
  const { tail } = useInspector();
  return useSyncExternalStore(tail.subscribe, tail.getSnapshot, () => EMPTY_TAIL);
}
