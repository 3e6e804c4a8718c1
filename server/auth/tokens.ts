import { webcrypto } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { verifyHs256 } from "./hs256";
import { type Identity, ROLES, type Role, UserIdSchema } from "./identity";

const ALG = "HS256";
const ClaimsSchema = z.object({ sub: UserIdSchema, role: z.enum(ROLES).default("user") });

/** Signs HS256 JWTs with one secret through jose, and verifies them with node:crypto (hs256.ts). */
export class TokenService {
  // Signing is rare (logins, `npm run token`): jose signs with a WebCrypto key imported once.
  readonly #signingKey: Promise<CryptoKey>;
  // Verifying happens on every connect and API call: a synchronous HMAC (see hs256.ts for why).
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, "utf8");
    this.#signingKey = webcrypto.subtle.importKey("raw", this.#secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  /** Mints a token; `ttl` is a jose time span such as "24h", or null for no expiry. */
  async sign(sub: string, role: Role = "user", ttl: string | null = "24h"): Promise<string> {
    UserIdSchema.parse(sub);
    const jwt = new SignJWT({ role }).setProtectedHeader({ alg: ALG, typ: "JWT" }).setSubject(sub).setIssuedAt();
    if (ttl) jwt.setExpirationTime(ttl);
    return jwt.sign(await this.#signingKey);
  }

  /** Returns the identity of a valid token, or null for anything missing, malformed, expired or forged. */
  verify(token: unknown): Promise<Identity | null> {
    return Promise.resolve(this.verifySync(token));
  }

  verifySync(token: unknown): Identity | null {
    if (typeof token !== "string" || token.length === 0 || token.length > 4096) return null;
    const payload = verifyHs256(token, this.#secret);
    if (!payload) return null;
    const claims = ClaimsSchema.safeParse(payload);
    return claims.success ? { userId: claims.data.sub, role: claims.data.role } : null;
  }
}
