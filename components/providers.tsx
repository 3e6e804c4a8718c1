"use client";

import { QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { InspectorProvider } from "@/lib/inspector";
import { createQueryClient } from "@/lib/query-client";

/** The console's client context: one QueryClient and one inspector socket per tab. */
export function ConsoleProviders({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  return (
    <QueryClientProvider client={client}>
      <InspectorProvider>{children}</InspectorProvider>
    </QueryClientProvider>
  );
}
