// Stub regions (src/cpu/jit/translator.ts EXIT_HOT_SHIFT, region.ts RegionSource.stub): a pc
// that regions exit to but that is no region's entry (a jump table's case, the code after a full
// region) gets a region of its own once hot, which stops at the page's entries, so that the hub
// chains on in wasm instead of returning to the interpreter. The runs are the interpreter's.

import { describe, expect, it } from "vitest";
import { PRIV_S } from "../../../src/cpu/index.js";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { PASS, runAsm } from "../../helpers/asm.js";
import { expectSameRuns, withJit } from "../../helpers/jitdiff.js";
import { FINISH, runPagedGuest } from "../../helpers/paged.js";

/** A loop dispatching through a jump table (`jr` to one of four cases, which only the table
 *  names) 3,000 times, then `finish` in the next page; `patch` code runs in case 1 (a store
 *  into case 0's code, say). */
const JUMP_TABLE = (finish: string, patch = ""): string => `
    .globl _start
_start:
    li s0, 3000
    la s1, table
1:  andi t0, s0, 3
    slli t0, t0, 3
    add t0, t0, s1
    ld t1, 0(t0)
    jr t1
case0: addi s3, s3, 1
    j 2f
case1: addi s4, s4, 2
    xor s5, s5, s0
${patch}
    j 2f
case2: addi s3, s3, 3
    j 2f
case3: add s5, s5, s0
2:  addi s0, s0, -1
    bnez s0, 1b
    j done
    .balign 8
table: .dword case0, case1, case2, case3
    .balign 4096
done:
${finish}`;

describe("translator: stub regions for exits to pcs that are no entry", () => {
  it("a jump table's cases get stubs; the hub chains through them in wasm; the run is the same", () => {
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(JUMP_TABLE(PASS), j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(19), r.reg(20), r.reg(21)],
    );
    expect(jit.reg(19)).toBe(3000n); // s3: 750 passes of case 0 (1) and of case 2 (3)
    const s = jit.m.jit?.stats();
    // the loop's region, one stub per case (the first holds the loop's tail too)
    expect(s?.regions).toBe(5);
    // no stub copies the loop's head or another stub's blocks: they stop at the page's
    // entries. Case 3 gets the first stub, with the tail on its straight line (add, addi, bnez;
    // j done): 4; the tail is no block of it, so the next stub (case 2: addi, j) holds it too
    // (4); then case 1 (addi, xor, j) and case 0 (addi, j) stop at case 2's tail block: 3 + 2
    expect(s?.insns).toBe(5 + 4 + 4 + 3 + 2);
    expect(s?.chainedWasm).toBeGreaterThan(5000); // about two a pass
    expect(executed).toBeGreaterThan(0.97 * jit.h.steps);
  });

  it("judged as in a real run (hot 64, regions abandoned when slower), the stubs pay and stay", () => {
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(JUMP_TABLE(PASS), j ? { setup: (m) => void attachJit(m, { hot: 64 }) } : {}),
      (r) => [r.result, r.reg(19), r.reg(20), r.reg(21)],
    );
    expect(jit.m.jit?.stats().abandoned).toBe(0);
    expect(executed).toBeGreaterThan(0.97 * jit.h.steps);
  });

  it("paged (skylake): the stubs' accesses and fetches are accounted as the interpreter's", () => {
    const { executed, jit } = expectSameRuns(
      (j) =>
        runPagedGuest({
          tlb: "skylake",
          source: JUMP_TABLE(FINISH),
          dataBytes: 4096,
          host: true,
          priv: PRIV_S,
          jit: j,
          codePages: 2,
        }),
      (g) => g.res,
    );
    expect(jit.res.exitCode).toBe(0);
    expect(jit.m.jit?.stats().chainedWasm).toBeGreaterThan(5000);
    expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
  });

  it("the code after a full region (400 instructions) gets a stub that chains back to it", () => {
    const adds = Array.from({ length: 430 }, (_, k) => `    addi a${k % 6}, a${k % 6}, ${k % 7}`).join("\n");
    const src = `
    .globl _start
_start:
    li s0, 1500
1:
${adds}
    addi s0, s0, -1
    bnez s0, 1b
    j done
    .balign 4096
done:
${PASS}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(10), r.reg(15)],
    );
    const s = jit.m.jit?.stats();
    expect(s?.regions).toBe(2);
    expect(s?.insns).toBe(433); // the loop, and `j done` after it
    expect(s?.chainedWasm).toBeGreaterThan(2500); // two a pass
    expect(executed).toBeGreaterThan(0.9 * jit.h.steps); // all but the passes before the first region
  });

  it("a store into a stub's code drops it; the new instruction runs, as interpreted", () => {
    // case 1 rewrites case 0's addi (s3 += 1 or 2, alternately every 4th pass)
    const addi = (k: number): number => (k << 20) | (19 << 15) | (19 << 7) | 0x13; // addi s3, s3, k
    const patch = `    la t2, case0
    li t3, ${addi(1)}
    andi t4, s0, 8
    beqz t4, 3f
    li t3, ${addi(2)}
3:  sw t3, 0(t2)`;
    const { jit } = expectSameRuns(
      (j) => runAsm(JUMP_TABLE(PASS, patch), j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(19), r.reg(20)],
    );
    expect(jit.result.exitCode).toBe(0);
    expect(jit.reg(19)).toBeGreaterThan(3000n); // s3: case 0 ran both versions
    const s = jit.m.jit?.stats();
    expect(s?.dropped).toBeGreaterThan(0);
    expect(s?.chainedWasm).toBeGreaterThan(1000);
  });
});
