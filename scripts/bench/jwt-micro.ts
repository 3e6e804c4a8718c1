// Diagnosis for the `idle` scenario: CPU per HS256 token verification, as the node does it
// (server/auth/hs256.ts: node:crypto HMAC) and through jose with WebCrypto keys, as it did before.
//
//   npx tsx scripts/bench/jwt-micro.ts [n=5000]
import { performance } from "node:perf_hooks";
import { jwtVerify } from "jose";
import { TokenService } from "../../server/auth/tokens";
import { BENCH_SECRET } from "./protocol";
import { signToken } from "./token";

const N = Number(process.argv[2] ?? 5000);
const token = signToken("bench-user", "user");
const raw = new TextEncoder().encode(BENCH_SECRET);
const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
const service = new TokenService(BENCH_SECRET);

const cases: [string, () => Promise<unknown>][] = [
  ["TokenService.verify (server/auth/tokens.ts: node:crypto HMAC, server/auth/hs256.ts)", () => service.verify(token)],
  ["jose jwtVerify with a CryptoKey imported once", () => jwtVerify(token, cryptoKey, { algorithms: ["HS256"] })],
  ["jose jwtVerify with the secret as raw bytes (the node's first version)", () => jwtVerify(token, raw, { algorithms: ["HS256"] })],
];
for (const [name, verify] of cases) {
  for (let i = 0; i < 500; i++) await verify(); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await verify();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${name.padEnd(72)} ${((cpu.user + cpu.system) / N).toFixed(1).padStart(7)} us CPU ${((wall / N) * 1000).toFixed(1).padStart(7)} us wall per verify\n`,
  );
}
