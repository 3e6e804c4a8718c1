"use client";

import { ErrorState } from "@/components/ui/states";

/** A render error in one page keeps the shell (and the navigation) usable. */
export default function ConsoleError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <div className="panel">
      <ErrorState error={error} retry={reset} />
    </div>
  );
}
