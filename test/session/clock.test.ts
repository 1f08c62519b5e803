// The session's clock (src/session/clock.ts): process.hrtime under Node, performance.now where
// there is no process (the playground's page and worker), a clear error with neither.

import { describe, expect, it } from "vitest";
import { clockOf, monotonicMs } from "../../src/session/clock.js";

describe("the session's clock", () => {
  it("takes process.hrtime when the host has it, in milliseconds", () => {
    const now = clockOf({ process: { hrtime: () => [2, 500_000] }, performance: { now: () => 7 } });
    expect(now()).toBe(2000.5);
  });

  it("takes performance.now when there is no process (a web page or worker)", () => {
    expect(clockOf({ performance: { now: () => 42.25 } })()).toBe(42.25);
    expect(clockOf({ process: {}, performance: { now: () => 3 } })()).toBe(3);
  });

  it("refuses a host with neither", () => {
    expect(() => clockOf({})).toThrow(/not supported/);
  });

  it("runs forward under Node", () => {
    const a = monotonicMs();
    let b = monotonicMs();
    while (b === a) b = monotonicMs();
    expect(b).toBeGreaterThan(a);
  });
});
