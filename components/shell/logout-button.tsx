"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/lib/api";

export function LogoutButton() {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="btn ghost small"
      data-testid="logout"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await api.logout();
        } catch {
          // The cookie may already be gone; /login is the right place either way.
        }
        qc.clear();
        window.location.assign("/login");
      }}
    >
      Log out
    </button>
  );
}
