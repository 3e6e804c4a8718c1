import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TokenService } from "./tokens";

/** The HS256 secret: AUTH_SECRET when set, else `<dataDir>/auth-secret`, created once with mode 0600. */
export function resolveAuthSecret(authSecret: string | undefined, dataDir: string): string {
  if (authSecret) return authSecret;
  const file = join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** Writes a fresh 24 h operator token to `<dataDir>/operator-token` (0600) and returns the file's path. */
export async function writeOperatorToken(tokens: TokenService, dataDir: string): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(dataDir, "operator-token");
  writeFileSync(file, (await tokens.sign("operator", "operator", "24h")) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
