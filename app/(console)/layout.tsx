import type { ReactNode } from "react";
import { ConsoleProviders } from "@/components/providers";
import { Sidebar } from "@/components/shell/sidebar";

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <ConsoleProviders>
      <div className="shell">
        <Sidebar />
        <main className="main">{children}</main>
      </div>
    </ConsoleProviders>
  );
}
