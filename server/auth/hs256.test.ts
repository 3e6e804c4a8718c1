import { SignJWT, UnsecuredJWT, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { craftJwt } from "../../tests/support/jwt";
import { verifyHs256 } from "./hs256";

const SECRET_TEXT = "a-test-secret-of-enough-length-0123456789";
const SECRET = Buffer.from(SECRET_TEXT, "utf8");
const OTHER = Buffer.from("another-secret-of-enough-length-987654321", "utf8");
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
/** A token with any header and payload, signed with the test secret (to build what jose would refuse to sign). */
const handMade = (header: Record<string, unknown>, payload: unknown) => craftJwt(header, payload, { secret: SECRET_TEXT });
const now = Math.floor(Date.now() / 1000);

async function joseAccepts(token: string): Promise<boolean> {
  try {
    await jwtVerify(token, SECRET, { algorithms: ["HS256"] });
    return true;
  } catch {
    return false;
  }
}

describe("verifyHs256 agrees with jose", () => {
  it("on valid, forged, expired, premature, unsigned and malformed tokens", async () => {
    const valid = await new SignJWT({ role: "user" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(SECRET);
    const [h, p, s] = valid.split(".") as [string, string, string];
    const cases: Record<string, string> = {
      valid,
      "no expiry": await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("bob").sign(SECRET),
      "other secret": await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("bob").sign(OTHER),
      "payload swapped": `${h}.${b64({ sub: "mallory", role: "operator" })}.${s}`,
      "signature truncated": `${h}.${p}.${s.slice(0, -2)}`,
      "signature empty": `${h}.${p}.`,
      "alg none": new UnsecuredJWT({ sub: "mallory" }).encode(),
      "alg HS512 header": handMade({ alg: "HS512" }, { sub: "x" }),
      "alg lower case": handMade({ alg: "hs256" }, { sub: "x" }),
      "crit header": handMade({ alg: "HS256", crit: ["exp"], exp: 1 }, { sub: "x" }),
      expired: handMade({ alg: "HS256" }, { sub: "x", exp: now - 10 }),
      "not yet valid": handMade({ alg: "HS256" }, { sub: "x", nbf: now + 3600 }),
      "exp as string": handMade({ alg: "HS256" }, { sub: "x", exp: String(now + 3600) }),
      "payload an array": handMade({ alg: "HS256" }, ["x"]),
      "header not JSON": `bm90IGpzb24.${p}.${s}`,
      "two parts": `${h}.${p}`,
      "four parts": `${h}.${p}.${s}.x`,
      "not base64url": `${h}.${p}.${s}+/`,
      "": "",
    };
    for (const [name, token] of Object.entries(cases)) {
      expect({ name, ours: verifyHs256(token, SECRET) !== null }).toEqual({ name, ours: await joseAccepts(token) });
    }
    expect(verifyHs256(valid, SECRET)).toMatchObject({ sub: "alice", role: "user" });
  });
});

describe("verifyHs256 wants canonical base64url", () => {
  it("refuses a signature whose last character differs only in its unused bits", async () => {
    const valid = await new SignJWT({ role: "user" }).setProtectedHeader({ alg: "HS256" }).setSubject("alice").sign(SECRET);
    const [h, p, sig] = valid.split(".") as [string, string, string];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 32 bytes are 43 characters, the last one carrying 2 unused bits: flipping the lowest decodes alike.
    const twin = `${sig.slice(0, -1)}${alphabet[alphabet.indexOf(sig.at(-1)!) ^ 1]}`;
    expect(Buffer.from(twin, "base64url").equals(Buffer.from(sig, "base64url"))).toBe(true);
    expect(verifyHs256(valid, SECRET)).toMatchObject({ sub: "alice" });
    expect(verifyHs256(`${h}.${p}.${twin}`, SECRET)).toBeNull();
  });
});
