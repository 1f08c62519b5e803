// Region shape (src/cpu/jit/region.ts formRegion, translator.ts hot()): a full region made where
// the page already has regions stops at their entries (the hub chains on) when no path from
// there comes back into it, instead of holding a second copy of their code; where one may come
// back (a loop through the stop, a call's return), it keeps the copy. Translated runs are the
// interpreter's.

import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/asm/index.js";
import { Machine } from "../../../src/cpu/index.js";
import { type RegionSource, translateRegion } from "../../../src/cpu/jit/region.js";
import { PASS, runAsm } from "../../helpers/asm.js";
import { expectSameRuns, withJit } from "../../helpers/jitdiff.js";
import { TEST_LAYOUT } from "./layout.js";

const RAM = 0x8000_0000n;

/** The page offsets of the blocks of the region translated from `source`'s first page at label
 *  `entry`, the page's other regions having entries at labels `others`. */
function blocksOf(source: string, entry: string, others: string[]): number[] {
  const prog = assemble(source, { file: "shape.s", base: RAM });
  const m = new Machine({ mem: 1 << 20, harts: 1 });
  m.loadFlat(prog.toFlat(), prog.base);
  const h = m.harts[0]!;
  const at = (name: string): number => Number(prog.symbols.get(name)! - RAM);
  const dc = new Int32Array(2048 * 4);
  const src: RegionSource = {
    dc,
    pageLo: Number(RAM) | 0,
    pageHi: 0,
    entry: at(entry),
    paged: false,
    others: others.map(at).sort((a, b) => a - b),
    decode: (o) => {
      if (dc[o * 2] !== 0) return dc[o * 2]!;
      const word = h.mem.u16[o >>> 1]! | ((h.mem.u16[(o >>> 1) + 1] ?? 0) << 16);
      return h.code.fill(dc, o * 2, (word & 3) === 3 ? word : word & 0xffff);
    },
  };
  return translateRegion(src, TEST_LAYOUT)!.blockOffs;
}

/** A caller's loop and the function it calls, whose loop has a region of its own. */
const CALLER = `
main:
    jal ra, f
    addi s0, s0, -1
    bnez s0, main
    ret
f:
    addi a1, a1, 1
loop:
    addi t0, t0, -1
    bnez t0, loop
done:
    ret
`;

/** A loop whose second half (`mid`) has a region of its own and jumps back to the first. */
const HALVES = `
top:
    addi a0, a0, 1
    j mid
    nop
mid:
    addi t0, t0, -1
    bnez t0, top
    ret
`;

describe("formRegion: stopping at the page's other entries", () => {
  it("a function's entry stops at its loop's region: nothing there comes back into it", () => {
    // f's straight line runs on through the loop's first pass (addi t0; bnez), then exits
    expect(blocksOf(CALLER, "f", ["loop", "done"])).toEqual([0x10]);
    expect(blocksOf(CALLER, "f", [])).toEqual([0x10, 0x14, 0x1c]);
  });

  it("a caller keeps its copy of the function when the function's code returns (jalr)", () => {
    expect(blocksOf(CALLER, "main", ["loop", "done"])).toEqual(blocksOf(CALLER, "main", []));
    expect(blocksOf(CALLER, "main", [])).toContain(0x14);
  });

  it("a loop keeps its copy of the other region's code when that jumps back into it", () => {
    expect(blocksOf(HALVES, "top", ["mid"])).toEqual(blocksOf(HALVES, "top", []));
    expect(blocksOf(HALVES, "top", [])).toContain(0xc);
  });
});

/** A loop in the first page calling f in the second 400 times; f's inner loop (20 passes a
 *  call) gets hot first, then f's entry. */
const CALL_ACROSS = `
    .globl _start
_start:
    li s0, 400
1:  jal ra, f
    addi s0, s0, -1
    bnez s0, 1b
    j done
    .balign 4096
f:
    addi a1, a1, 1
    li t0, 20
    addi a2, a2, 3
    j 2f
    nop
2:  add a0, a0, t0
    addi t0, t0, -1
    bnez t0, 2b
    ret
done:
${PASS}`;

describe("region shape in a run", () => {
  it("f's entry gets a region of its own blocks only, which chains on to its loop's region", () => {
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(CALL_ACROSS, j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(10), r.reg(11), r.reg(12)],
    );
    expect(jit.reg(11)).toBe(400n);
    const s = jit.m.jit?.stats();
    // f's loop (add, addi, bnez; ret: 4), f's entry (addi, li, addi, j: 4, stopping at the
    // loop: with a copy of the loop and the ret it would hold 8) and the caller's loop (a stub
    // at its return site: addi, bnez; jal; j done: 4)
    expect(s?.regions).toBe(3);
    expect(s?.insns).toBe(4 + 4 + 4);
    expect(s?.chainedWasm).toBeGreaterThan(2 * 350); // into f, into its loop: each call
    expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
  });
});
