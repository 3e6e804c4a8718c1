/** Small stroke icons for the sidebar; inline so the console needs no icon font or network. */
const paths: Record<string, string> = {
  overview: "M3 13h4v8H3zM10 8h4v13h-4zM17 3h4v18h-4z",
  flows: "M4 6h10M4 12h16M4 18h7M17 3l3 3-3 3M14 15l3 3-3 3",
  handlers: "M4 5h16v4H4zM4 11h16v4H4zM4 17h16v4H4z",
  agents: "M6 8h12v10H6zM12 4v4M9 12h.01M15 12h.01M9.5 15.5h5M3 12v3M21 12v3",
  users: "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21c0-4 3-6 7-6s7 2 7 6M17 4a4 4 0 0 1 0 7M22 21c0-3-2-5-4-5.5",
  sessions: "M4 4h16v16H4zM8 9l2 2 4-4M8 15h8",
  alerts: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 21h4",
};

export function NavIcon({ name }: { name: string }) {
  return (
    <svg
      className="nav-icon"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={paths[name] ?? ""} />
    </svg>
  );
}
