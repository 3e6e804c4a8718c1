import { describe, expect, it } from "vitest";
import { calculate, findExpression } from "./calculator";

describe("calculator", () => {
  it("follows precedence, parentheses, unary minus and right-associative powers", () => {
    expect(calculate("12 * (3 + 4)")).toBe(84);
    expect(calculate("2 + 3 * 4 - 1")).toBe(13);
    expect(calculate("-2 ^ 2")).toBe(4);
    expect(calculate("2 ^ 3 ^ 2")).toBe(512);
    expect(calculate("10 % 4 + 7 / 2")).toBe(5.5);
  });

  it("refuses anything that is not arithmetic", () => {
    expect(() => calculate("process.exit()")).toThrow();
    expect(() => calculate("1 / 0")).toThrow(/division by zero/);
    expect(() => calculate("(((1)")).toThrow();
    expect(() => calculate("(".repeat(40) + "1" + ")".repeat(40))).toThrow(/nested/);
  });

  it("finds the expression in a question", () => {
    expect(findExpression("what is 12 * (3 + 4)?")).toBe("12 * (3 + 4)");
    expect(findExpression("tell me about routing")).toBeNull();
  });
});
