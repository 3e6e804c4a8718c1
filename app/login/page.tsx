"use client";

import { useState, type FormEvent } from "react";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { SwitchyardError } from "@/contract/errors";
import { api } from "@/lib/api";

function describe(err: unknown): string {
  if (err instanceof SwitchyardError) {
    if (err.status === 403) return `Refused: this token is not an operator token (${err.message})`;
    if (err.status === 401) return `Refused: the token is invalid or expired (${err.message})`;
    return `${err.code}: ${err.message}`;
  }
  return "Login failed.";
}

export default function LoginPage() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError("Paste an operator token first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.login(t);
      // A full navigation, so the auth proxy sees the new cookie.
      window.location.assign("/");
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  }

  return (
    <div className="login-wrap">
      <form className="login-card" onSubmit={submit} data-testid="login-form">
        <div className="brand" style={{ padding: 0 }}>
          <span className="brand-mark">⇄</span>
          <span>Switchyard</span>
          <small>operator console</small>
        </div>
        <p>
          Paste an operator token. Mint one with <code>npm run token -- --sub you --role operator</code>, or read{" "}
          <code>data/operator-token</code> on the server.
        </p>
        <textarea
          data-testid="login-token"
          aria-label="Operator token"
          placeholder="eyJhbGciOiJIUzI1NiJ9…"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          spellCheck={false}
          autoFocus
        />
        {error ? (
          <div className="alert-box" data-testid="login-error" role="alert">
            {error}
          </div>
        ) : null}
        <div className="sidebar-row">
          <ThemeToggle />
          <button type="submit" className="btn primary" data-testid="login-submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
      </form>
    </div>
  );
}
