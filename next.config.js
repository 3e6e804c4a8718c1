/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server (server/index.ts) owns /api/*, /metrics and Socket.IO; Next only renders pages.
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
