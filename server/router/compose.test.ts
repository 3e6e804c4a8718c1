import { describe, expect, it } from "vitest";
import { compose } from "./compose";

describe("compose", () => {
  it("runs middlewares as an onion and stops when one does not call next", async () => {
    const log: string[] = [];
    await compose<string[]>([
      async (l, next) => {
        l.push("a>");
        await next();
        l.push("<a");
      },
      (l) => {
        l.push("b");
      },
      (l) => {
        l.push("never");
      },
    ])(log);
    expect(log).toEqual(["a>", "b", "<a"]);
  });

  it("throws when next() is called twice", async () => {
    await expect(
      compose<null>([
        async (_c, next) => {
          await next();
          await next();
        },
      ])(null),
    ).rejects.toThrow(/more than once/);
  });
});
