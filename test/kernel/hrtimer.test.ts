import { describe, expect, it } from "vitest";
import { HrTimers } from "../../src/kernel/hrtimer.js";

describe("hrtimers in machine time", () => {
  it("run in expiry order, ties in start order, and only once their time has come", () => {
    const t = new HrTimers();
    const ran: string[] = [];
    t.start(300, () => ran.push("c"));
    t.start(100, () => ran.push("a"));
    t.start(300, () => ran.push("d"));
    t.start(200, () => ran.push("b"));
    expect(t.next()).toBe(100);
    expect(t.run(250)).toBe(2);
    expect(ran).toEqual(["a", "b"]);
    expect(t.run(300)).toBe(2);
    expect(ran).toEqual(["a", "b", "c", "d"]);
    expect(t.next()).toBe(Number.POSITIVE_INFINITY);
  });

  it("a cancelled timer never runs; a restarted one moves; a timer may start another", () => {
    const t = new HrTimers();
    const ran: number[] = [];
    const a = t.start(100, () => ran.push(1));
    expect(t.cancel(a)).toBe(true);
    expect(t.cancel(a)).toBe(false);
    const b = t.start(100, () => ran.push(2));
    t.restart(b, 400);
    t.start(150, () => t.start(160, () => ran.push(3)));
    t.run(200);
    expect(ran).toEqual([3]);
    t.run(400);
    expect(ran).toEqual([3, 2]);
    expect(t.length).toBe(0);
  });
});
