// Loops of a region's blocks (src/cpu/jit/region.ts planLoops, Emitter.emitLevel/goTo): which
// jumps back become a wasm `loop` of their own, and code with nested loops, loops entered in
// their middle, loops that overlap without nesting and jumps back into an inner loop, run the
// same translated as interpreted (bare and paged).

import { describe, expect, it } from "vitest";
import { PRIV_S } from "../../../src/cpu/index.js";
import { planLoops } from "../../../src/cpu/jit/region.js";
import { expectSameRuns } from "../../helpers/jitdiff.js";
import { DATA_VA, FINISH, runPagedGuest } from "../../helpers/paged.js";

describe("planLoops", () => {
  it("makes a loop of each jump back, the longest from its first block, nested as the jumps are", () => {
    // 0 -> 1 -> 2 -> (1 or 3) -> 4 -> (0 or 5); 3 also back to 1
    const succ = [[1], [2], [1, 3], [1, 4], [0, 5], []];
    expect(planLoops(succ)).toEqual([{ lo: 0, hi: 4, inner: [{ lo: 1, hi: 3, inner: [] }] }]);
  });

  it("keeps side-by-side loops apart, and a block's jump to itself makes none", () => {
    const succ = [[1], [0, 2], [2, 3], [4], [3, 5], []];
    expect(planLoops(succ)).toEqual([
      { lo: 0, hi: 1, inner: [] },
      { lo: 3, hi: 4, inner: [] },
    ]);
  });

  it("drops loops that overlap without nesting (their jumps back go through the dispatch)", () => {
    // 0..2 and 1..3 overlap; 4..5 stands alone
    const succ = [[1], [2], [0, 3], [1, 4], [5], [4]];
    expect(planLoops(succ)).toEqual([{ lo: 4, hi: 5, inner: [] }]);
  });
});

/** Nested loops over the data page: an outer loop entered at its test (a jump forward into its
 *  middle), an inner loop entered at its first block, two loops that overlap without nesting in
 *  it (c..d and d..: jumps back to a block of the outer loop other than its first), and after it
 *  a loop with a loop nested at its second block. */
const NESTED = `
  _start:
    li s0, ${DATA_VA}
    li s1, 400
    li a0, 0
    li a1, 0
    j outer_test
  outer:
    li t0, 0
  inner:
    slli t1, t0, 3
    add t1, t1, s0
    ld t2, 0(t1)
    add t2, t2, s1
    sd t2, 0(t1)
    add a0, a0, t2
    addi t0, t0, 1
    andi t3, a0, 7
    beqz t3, skip
    slti t4, t0, 12
    bnez t4, inner
  skip:
    addi s1, s1, -1
    li t5, 5
  c:
    addi a0, a0, 1
  d:
    addi a0, a0, 2
    addi t5, t5, -1
    andi t3, t5, 1
    bnez t3, c
    addi a0, a0, 4
    bgtz t5, d
    andi t3, a0, 24
    beqz t3, outer_test
    bnez s1, outer
  outer_test:
    bnez s1, outer
    li s2, 3000
  a:
    addi a1, a1, 3
    addi s2, s2, -1
  b:
    addi a1, a1, 5
    andi t3, s2, 1
    bnez t3, a
    andi t3, a1, 3
    beqz t3, b
    bnez s2, a
    sd a0, 0(s0)
    sd a1, 8(s0)
    ${FINISH}`;

describe("translator: loops of blocks", () => {
  for (const tlb of ["tiny", "skylake"]) {
    it(`nested, entered in the middle, overlapping (paged, ${tlb}): the same as interpreted`, () => {
      const { executed, jit } = expectSameRuns(
        (j) => runPagedGuest({ tlb, priv: PRIV_S, source: NESTED, dataBytes: 4096, host: true, jit: j }),
        (g) => g.res,
      );
      expect(jit.res.exitCode).toBe(0);
      expect(executed).toBeGreaterThan(0.8 * jit.h.steps);
    });
  }
});
