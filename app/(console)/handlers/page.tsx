import type { Metadata } from "next";
import { HandlersView } from "@/components/handlers/handlers-view";

export const metadata: Metadata = { title: "Handlers" };

export default function HandlersPage() {
  return <HandlersView />;
}
