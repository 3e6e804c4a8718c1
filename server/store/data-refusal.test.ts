import { describe, expect, it } from "vitest";
import { isDataRefusal } from "./data-refusal";

describe("isDataRefusal", () => {
  it("a refused value or constraint drops rows; a timeout, a busy pool, a deadlock or a lost connection is retried", () => {
    expect(isDataRefusal({ code: "P2002" })).toBe(true);
    expect(isDataRefusal({ code: "P2010", meta: { driverAdapterError: { cause: { originalCode: "22021" } } } })).toBe(true);
    expect(isDataRefusal({ code: "23505" })).toBe(true);
    expect(isDataRefusal(Object.assign(new Error("bad"), { name: "PrismaClientValidationError" }))).toBe(true);
    expect(isDataRefusal({ code: "P2028" })).toBe(false);
    expect(isDataRefusal({ code: "P2024" })).toBe(false);
    expect(isDataRefusal({ code: "P2034" })).toBe(false);
    expect(isDataRefusal({ code: "P1017" })).toBe(false);
    expect(isDataRefusal({ code: "P2010", meta: { driverAdapterError: { cause: { originalCode: "40P01" } } } })).toBe(false);
    expect(isDataRefusal({ code: "57014" })).toBe(false);
    expect(isDataRefusal({ code: "ECONNREFUSED" })).toBe(false);
    expect(isDataRefusal(new Error("socket hang up"))).toBe(false);
  });
});
