import { describe, expect, it } from "vitest";
import { configs, guestFigures } from "../../scripts/statseq.js";

describe("statseq", () => {
  it("drops the host's figures at any depth and keeps the guest's", () => {
    const report = {
      instret: 5,
      wallSeconds: 0.3,
      MIPS: 9,
      harts: [{ id: 0, mips: 1, wallSeconds: 2, traps: 3 }],
      jit: { regions: 4 },
      tlb: { hits: 7, translateMs: 1 },
    };
    expect(guestFigures(report)).toEqual({ instret: 5, harts: [{ id: 0, traps: 3 }], tlb: { hits: 7 } });
  });

  it("compares every program under each preset on one hart, and two programs on two harts", () => {
    const c = configs(["tiny", "skylake"]);
    expect(c).toHaveLength(5 * 2 + 4);
    expect(c.filter((x) => x.harts === 2).map((x) => `${x.program}/${x.preset}`)).toEqual([
      "coremark/tiny",
      "coremark/skylake",
      "sort/tiny",
      "sort/skylake",
    ]);
  });
});
