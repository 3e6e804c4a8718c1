import type { ReactNode } from "react";
import { SwitchyardError } from "@/contract/errors";

/** The one empty-state text: how to make traffic appear. */
export function EmptyTraffic({ what, compact }: { what?: string; compact?: boolean }) {
  return (
    <div className={`state${compact ? " compact" : ""}`} data-testid="empty-state">
      {what ? <div className="state-title">{what}</div> : null}
      <div>
        No traffic yet: run <code>npm run simulate -- --users 20 --rate 10</code> or start the server with <code>DEMO_TRAFFIC=1</code>
      </div>
    </div>
  );
}

export function Empty({ children, compact }: { children: ReactNode; compact?: boolean }) {
  return (
    <div className={`state${compact ? " compact" : ""}`} data-testid="empty-state">
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…", compact }: { label?: string; compact?: boolean }) {
  return (
    <div className={`state${compact ? " compact" : ""}`} data-testid="loading-state" role="status">
      <div className="spinner" />
      <div>{label}</div>
    </div>
  );
}

export function ErrorState({ error, retry, compact }: { error: unknown; retry?: () => void; compact?: boolean }) {
  const msg =
    error instanceof SwitchyardError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : "Something went wrong.";
  return (
    <div className={`state error${compact ? " compact" : ""}`} data-testid="error-state" role="alert">
      <div className="state-title err-text">Could not load this data</div>
      <div className="mono">{msg}</div>
      {retry ? (
        <button type="button" className="btn small" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}
