import type { Metadata } from "next";
import { SessionDetailView } from "@/components/sessions/session-detail-view";

export const metadata: Metadata = { title: "Session" };

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let decoded = id;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    // Not percent-encoded after all; use it as it came.
  }
  return <SessionDetailView id={decoded} />;
}
