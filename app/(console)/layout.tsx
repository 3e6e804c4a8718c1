import type { ReactNode } from "react";
import { ConsoleProviders } from "@/components/providers";
import { AlertBanner } from "@/components/shell/alert-banner";
import { ConnectionBanner } from "@/components/shell/connection-banner";
import { Sidebar } from "@/components/shell/sidebar";

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <ConsoleProviders>
      <div className="shell">
        <Sidebar />
        <main className="main">
          <ConnectionBanner />
          <AlertBanner />
          {children}
        </main>
      </div>
    </ConsoleProviders>
  );
}
