import { describe, expect, it } from "vitest";
import { interleavedRatio } from "../../bench/harness.js";

describe("interleavedRatio", () => {
  it("alternates which of the pair runs first and returns the median of b / a", () => {
    const order: string[] = [];
    // a costs 10 each round; b costs 20, 30 or 25 in turn: ratios 2, 3, 2.5, 2, 3 -> median 2.5.
    const costs = [20, 30, 25, 20, 30];
    let round = 0;
    const cost = new Map<() => void, () => number>();
    const a = (): void => {
      order.push("a");
    };
    const b = (): void => {
      order.push("b");
    };
    cost.set(a, () => 10);
    cost.set(b, () => costs[round++]!);
    const r = interleavedRatio(a, b, 5, (fn) => {
      fn();
      return cost.get(fn)!();
    });
    expect(r).toBe(2.5);
    expect(order.join("")).toBe("baabbaabba");
  });
});
