"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { ConnectionStatus } from "./connection-status";
import { LogoutButton } from "./logout-button";
import { NavIcon } from "./nav-icons";

const NAV = [
  { name: "overview", href: "/", label: "Overview" },
  { name: "flows", href: "/flows", label: "Live flows" },
  { name: "handlers", href: "/handlers", label: "Handlers" },
  { name: "agents", href: "/agents", label: "Agents" },
  { name: "users", href: "/users", label: "Users" },
  { name: "sessions", href: "/sessions", label: "Sessions" },
  { name: "alerts", href: "/alerts", label: "Alerts" },
] as const;

function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function Sidebar() {
  const pathname = usePathname() ?? "/";
  return (
    <aside className="sidebar" data-testid="sidebar">
      <div className="brand">
        <span className="brand-mark">⇄</span>
        <span>Switchyard</span>
        <small>ops</small>
      </div>
      <nav className="nav" aria-label="Console">
        {NAV.map((item) => (
          <Link
            key={item.name}
            href={item.href}
            data-testid={`nav-${item.name}`}
            aria-current={isActive(pathname, item.href) ? "page" : undefined}
          >
            <NavIcon name={item.name} />
            {item.label}
          </Link>
        ))}
      </nav>
      <div className="sidebar-foot">
        <ConnectionStatus />
        <div className="sidebar-row">
          <ThemeToggle />
          <LogoutButton />
        </div>
      </div>
    </aside>
  );
}
