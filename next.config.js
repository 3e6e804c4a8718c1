/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server (server/index.ts) owns /api/*, /metrics and Socket.IO; Next only renders pages.
  // Next type-checks the dashboard only; the server and tests are checked by `tsc --noEmit` in npm test.
  typescript: { ignoreBuildErrors: false, tsconfigPath: "tsconfig.next.json" },
};

export default nextConfig;
