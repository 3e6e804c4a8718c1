import type { Metadata } from "next";
import { Suspense } from "react";
import { SessionsView } from "@/components/sessions/sessions-view";
import { Loading } from "@/components/ui/states";

export const metadata: Metadata = { title: "Sessions" };

export default function SessionsPage() {
  // The view reads its filters from the URL (useSearchParams), which needs a Suspense boundary.
  return (
    <Suspense fallback={<Loading />}>
      <SessionsView />
    </Suspense>
  );
}
