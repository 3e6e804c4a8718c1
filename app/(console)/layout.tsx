import type { ReactNode } from "react";
import { ConsoleProviders } from "@/components/providers";
import { ConnectionBanner } from "@/components/shell/connection-banner";
import { Sidebar } from "@/components/shell/sidebar";

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <ConsoleProviders>
      <div className="shell">
        <Sidebar />
        <main className="main">
          <ConnectionBanner />
          {children}
        </main>
      </div>
    </ConsoleProviders>
  );
}
