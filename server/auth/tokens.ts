import { webcrypto } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";
import { type Identity, ROLES, type Role, UserIdSchema } from "./identity";

const ALG = "HS256";
const ClaimsSchema = z.object({ sub: UserIdSchema, role: z.enum(ROLES).default("user") });

/** Signs and verifies HS256 JWTs with one secret (jose does the cryptography). */
export class TokenService {
  // A WebCrypto key imported once: jose's verify imports raw bytes or a KeyObject into a CryptoKey on
  // every call (a thread-pool round trip, about a third of a connect's CPU in the idle benchmark).
  readonly #key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.#key = webcrypto.subtle.importKey("raw", Buffer.from(secret, "utf8"), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
  }

  /** Mints a token; `ttl` is a jose time span such as "24h", or null for no expiry. */
  async sign(sub: string, role: Role = "user", ttl: string | null = "24h"): Promise<string> {
    UserIdSchema.parse(sub);
    const jwt = new SignJWT({ role }).setProtectedHeader({ alg: ALG, typ: "JWT" }).setSubject(sub).setIssuedAt();
    if (ttl) jwt.setExpirationTime(ttl);
    return jwt.sign(await this.#key);
  }

  /** Returns the identity of a valid token, or null for anything missing, malformed, expired or forged. */
  async verify(token: unknown): Promise<Identity | null> {
    if (typeof token !== "string" || token.length === 0 || token.length > 4096) return null;
    try {
      const { payload } = await jwtVerify(token, await this.#key, { algorithms: [ALG] });
      const claims = ClaimsSchema.safeParse(payload);
      return claims.success ? { userId: claims.data.sub, role: claims.data.role } : null;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
      throw err;
    }
  }
}
