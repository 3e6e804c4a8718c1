import { QueryClient } from "@tanstack/react-query";
import { SwitchyardError } from "@/contract/errors";

/** The dashboard's one QueryClient: short stale times (live data), no retries on auth errors. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 1_000,
        refetchOnWindowFocus: true,
        retry: (failures, err) => {
          if (err instanceof SwitchyardError && err.status >= 400 && err.status < 500) return false;
          return failures < 2;
        },
      },
      mutations: { retry: false },
    },
  });
}
