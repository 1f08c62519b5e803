// Registers carried across the edges of a loop of blocks (region.ts Carry, carryOf(),
// keepCarried()): a loop of several blocks with no loop inside keeps the x registers it uses in
// locals from block to block, loading them once before its wasm `loop` and storing those it
// writes on its ways out and before call outs. Interrupts at any of its blocks' heads, faults and
// called ops in its middle see the interpreter's exact registers.

import { describe, expect, it } from "vitest";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { PASS, runAsm, TIMER_ON, timerHandler } from "../../helpers/asm.js";
import { expectSameRuns, withJit } from "../../helpers/jitdiff.js";

/** A CRC-like loop of three blocks (the bit loop of coremark's crcu8: test, conditional xor,
 *  shift and count), 40,000 passes, then out to the next page. */
const CRC = (before = "", after = ""): string => `
    .globl _start
_start:
${before}
    li s0, 0x1234
    li s2, 0xa001
    li a5, 40000
1:  srli a0, s0, 15
    slliw s0, s0, 1
    beqz a0, 2f
    xor s0, s2, s0
2:  slli s0, s0, 48
    addiw a5, a5, -1
    srli s0, s0, 48
    bnez a5, 1b
    j done
    .balign 4096
done:
${PASS}
${after}`;

/** The x-array loads (`i64.load offset=N`, N in the x array) in a region's text. */
function xLoads(wat: string, xOff: number): number {
  let n = 0;
  for (const m of wat.matchAll(/i64\.load offset=(\d+)/g)) {
    const at = Number(m[1]);
    if (at >= xOff && at < xOff + 8 * 32) n++;
  }
  return n;
}

describe("translator: registers carried across a loop of blocks", () => {
  it("the loop's blocks load no register: each is loaded once before the loop; the run is the interpreter's", () => {
    const texts: string[] = [];
    const { executed, jit } = expectSameRuns(
      (j) =>
        runAsm(
          CRC(),
          j
            ? { setup: (m) => void attachJit(m, { keepAll: true, hot: 64, dump: (d) => texts.push(d.wat) }) }
            : {},
        ),
      (r) => [r.result, r.reg(8), r.reg(10), r.reg(15)],
    );
    expect(texts.length).toBe(1);
    // s0, s2, a0, a5 before the loop (the blocks alone would load s0, then s2 and s0, then s0 and a5)
    expect(xLoads(texts[0]!, jit.h.x.byteOffset)).toBe(4);
    expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
  });

  it("timer interrupts at the loop's blocks' heads: the handler sees the registers the loop carries", () => {
    const src = CRC(
      TIMER_ON,
      timerHandler("s6", "s4", { fold: "add s3, s3, s0\nxor s3, s3, a0\nadd s5, s5, a5" }),
    );
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => [r.result, r.reg(8), r.reg(19), r.reg(20), r.reg(21)],
    );
    expect(jit.reg(20)).toBeGreaterThan(50n); // s4: interrupts taken
    expect(executed).toBeGreaterThan(0.05 * jit.h.steps);
  });

  it("a called op in the loop reads the registers carried and written before it, and its result is read after it", () => {
    // amoadd.d reads a1 (written in the block before) in memory and writes a2, which the next
    // block and the next pass read
    const src = `
    .globl _start
_start:
    la s1, buf
    li s0, 20000
1:  addi a1, a1, 3
    andi t0, s0, 3
    beqz t0, 2f
    add a1, a1, a3
2:  amoadd.d a2, a1, (s1)
    add a3, a3, a2
    bnez t0, 3f
    xor a4, a4, a2
3:  addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .data
    .balign 8
buf: .zero 64
`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(11), r.reg(12), r.reg(13), r.reg(14)],
    );
    expect(jit.reg(14)).not.toBe(0n);
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });
});
