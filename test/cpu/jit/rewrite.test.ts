// Code that keeps being rewritten (translator.ts, PAYBACK_INSNS): a hot loop whose `addi`
// immediate the guest patches and fence.i's over and over is translated again only at a
// geometrically falling rate, while a loop rewritten after it ran long gets its region back each
// time; and a loop storing into its own page beside its code keeps its region. Every run stays
// the interpreter's (registers, counters, RAM).

import { describe, expect, it } from "vitest";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { PASS, runAsm } from "../../helpers/asm.js";
import { expectSameRuns } from "../../helpers/jitdiff.js";

/** `versions` versions of a loop of `passes` passes, version v adding v to s2 each pass (its
 *  immediate patched by a store into the loop's code, then fence.i unless `noFence`); with
 *  `entries`, each version runs the loop that many times, a CSR read after each (a side exit:
 *  the region is entered again for each). */
function rewriting(versions: number, passes: number, noFence = false, entries = 0): string {
  return `
    .globl _start
_start:
    la s3, patch
    lw s4, 0(s3)
    li s5, 0xfffff
    and s4, s4, s5
    li s6, ${versions}
2:  slli t0, s6, 20
    or t0, t0, s4
    sw t0, 0(s3)
    ${noFence ? "" : "fence.i"}
    ${entries ? `li s7, ${entries}\n3:` : ""}
    li s1, ${passes}
1:  add a0, a0, s1
    xor a1, a1, a0
patch:
    addi s2, s2, 0
    addi s1, s1, -1
    bnez s1, 1b
    ${entries ? "csrr t1, mscratch\n    addi s7, s7, -1\n    bnez s7, 3b" : ""}
    addi s6, s6, -1
    bnez s6, 2b
${PASS}`;
}

/** Run `src` with and without translation at heat 64 (the profitability rules on), expect the
 *  same run and s2 = passes * (1 + 2 + ... + versions); return the translator's counters. */
function sameRun(src: string, versions: number, passes: number, maxInsns: number) {
  const { jit } = expectSameRuns(
    (j) => runAsm(src, { maxInsns, ...(j ? { setup: (m) => void attachJit(m, { hot: 64 }) } : {}) }),
    (r) => r.result,
  );
  expect(jit.result.exitCode).toBe(0);
  expect(jit.reg(18)).toBe(BigInt((passes * versions * (versions + 1)) / 2));
  return jit.m.jit!.stats();
}

describe("translator: code that keeps being rewritten", () => {
  it("a loop rewritten and fence.i'd 40 times, hot each time, is translated again only a few times", () => {
    // 1,000 passes at heat 64: hot 15 times a version; without the postponement it would be
    // translated 40 times (once a version), with it at hot findings 1, 5, 21, 85, 341.
    const s = sameRun(rewriting(40, 1000), 40, 1000, 2_000_000);
    expect(s.regions).toBeGreaterThanOrEqual(3);
    expect(s.regions).toBeLessThanOrEqual(6);
    expect(s.dropped).toBe(s.regions);
  });

  it("the same with the store alone (no fence.i): the store into the region's code drops it", () => {
    const s = sameRun(rewriting(40, 1000, true), 40, 1000, 2_000_000);
    expect(s.regions).toBeLessThanOrEqual(6);
    expect(s.dropped).toBeGreaterThanOrEqual(3);
  });

  it("a loop rewritten after each version ran long (paid for its translation) is translated every time", () => {
    // 3 versions of 450,000 passes (2.25 M instructions each, over 2^20 of them translated)
    // Translated at once each time, as with keepAll (which never postpones): the same counts.
    const src = rewriting(3, 450_000);
    const s = sameRun(src, 3, 450_000, 8_000_000);
    const keep = runAsm(src, {
      maxInsns: 8_000_000,
      setup: (m) => void attachJit(m, { hot: 64, keepAll: true }),
    });
    expect(s.regions).toBe(3);
    expect(s.executed).toBe(keep.m.jit!.stats().executed);
    expect(s.executed).toBeGreaterThan(6_000_000);
  });
});

describe("translator: a region's life across its judgements", () => {
  it("counts what the region retired before its last judgement: a region judged, then rewritten, pays back", () => {
    // Each version: 1,100 entries (a CSR read leaves the region after each inner loop) of about
    // 2,000 instructions: the judgement at the 1,024th entry takes 2 M of them, 150,000 follow.
    // Over its life the region retired more than PAYBACK_INSNS, so it is translated again at
    // once after each rewrite, as with keepAll; counting only those since the last judgement
    // it would be postponed.
    const src = rewriting(3, 400, false, 1100);
    const run = (keepAll: boolean) =>
      runAsm(src, { maxInsns: 20_000_000, setup: (m) => void attachJit(m, { hot: 64, keepAll }) });
    const judged = run(false);
    expect(judged.result.exitCode).toBe(0);
    expect(judged.reg(18)).toBe(BigInt(400 * 1100 * (1 + 2 + 3)));
    const s = judged.m.jit!.stats();
    expect(s.abandoned).toBe(0);
    expect(s.dropped).toBe(2);
    expect(s.regions).toBe(3);
    expect(s.executed).toBe(run(true).m.jit!.stats().executed);
  });
});

describe("translator: stores into a translated page", () => {
  it("a loop storing into its own code page, beside its code: the region stays and runs; the data is right", () => {
    // The counter lives in the loop's page, after its code: every store takes the slow path
    // (a code page), meets no region's instruction bytes, and drops nothing.
    const src = `
    .globl _start
_start:
    la s1, counter
    li s0, 5000
1:  ld t0, 0(s1)
    add t0, t0, s0
    sd t0, 0(s1)
    sw s0, 12(s1)
    addi s0, s0, -1
    bnez s0, 1b
    ld s2, 0(s1)
${PASS}
    .balign 8
counter: .dword 0, 0`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: (m) => void attachJit(m, { hot: 64 }) } : {}),
      (r) => r.result,
    );
    expect(jit.reg(18)).toBe(BigInt((5000 * 5001) / 2));
    const s = jit.m.jit!.stats();
    expect(s.dropped).toBe(0);
    expect(s.regions).toBe(1);
    expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
  });
});
