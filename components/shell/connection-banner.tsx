"use client";

import { useEffect, useState } from "react";
import { useInspector } from "@/lib/inspector";

/**
 * Says so when the live connection has been down for a few seconds: the pages keep showing their
 * last data, which must not pass for current.
 */
export function ConnectionBanner() {
  const { status } = useInspector();
  const [down, setDown] = useState(false);
  useEffect(() => {
    if (status === "live") {
      setDown(false);
      return;
    }
    const id = setTimeout(() => setDown(true), 3000);
    return () => clearTimeout(id);
  }, [status]);
  if (!down) return null;
  return (
    <div className="banner err" role="status" data-testid="connection-banner" style={{ marginBottom: 14 }}>
      <span className="dot warn" />
      {status === "forbidden"
        ? "The inspector refused this login: it is not an operator token."
        : "Connection to the server lost: figures below may be stale. Reconnecting…"}
    </div>
  );
}
