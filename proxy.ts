import { NextResponse, type NextRequest } from "next/server";

/** Must match server/auth/cookies.ts; duplicated because pages never import server/. */
const SESSION_COOKIE = "switchyard_session";

/**
 * The auth gate of the pages: without the login cookie every page but /login goes to /login. The
 * cookie is only checked for presence here; the server verifies it on every API and inspector call,
 * and the client returns to /login when that fails.
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname === "/login" || request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const url = request.nextUrl.clone();
  url.pathname = "/login";
  url.search = "";
  return NextResponse.redirect(url);
}

export const config = {
  // /api, /metrics and /socket.io are served by the custom server before Next; assets stay public.
  matcher: ["/((?!_next/static|_next/image|_next/data|api/|metrics|socket\\.io|favicon\\.ico|.*\\.(?:png|svg|ico|txt|woff2?)$).*)"],
};
