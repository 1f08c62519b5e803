// The translator (src/cpu/jit/region.ts, translator.ts) against the interpreter: guest programs
// run with and without translation leave the same registers, pc, counters, RAM, modelled-TLB
// state (counters, entries, LRU stamps) and output; the regions really run (their share of the
// instructions is checked); traps inside a region are precise; the interrupt budget holds;
// stores into translated code and fence.i throw translations away.

import { describe, expect, it } from "vitest";
import { type Paging, PRIV_S, PRIV_U } from "../../../src/cpu/index.js";
import { attachJit } from "../../../src/cpu/jit/index.js";
import { REGION_TRAPPED } from "../../../src/cpu/trap.js";
import { TLB_PRESETS } from "../../../src/mmu/index.js";
import { PASS, runAsm, TIMER_ON, timerHandler } from "../../helpers/asm.js";
import { expectSameRuns, sameDelegatedRuns, withJit } from "../../helpers/jitdiff.js";
import { DATA_VA, FINISH, runPagedGuest, stridedIncrement } from "../../helpers/paged.js";

/** `src` run without and with translation at heat 64 (regions judged as in a real run). */
function sameAtHot64(src: string) {
  return expectSameRuns(
    (j) => runAsm(src, j ? { setup: (m) => void attachJit(m, { hot: 64 }) } : {}),
    (r) => [r.result],
  );
}

/** Run `source` (an S-mode loop of 3,000 passes of which every 8th faults twice, its handler
 *  counting in s7) without and with translation on the skylake TLB, page faults delegated to S
 *  and `mstatus` ORed in: the same state, two faults per 8 passes, most of it translated. */
function faultingLoop(source: string, mstatus: number) {
  const { executed, jit } = sameDelegatedRuns(source, (h) => {
    h.mstatus |= mstatus;
  });
  expect(jit.res.exitCode).toBe(0);
  expect(jit.h.reg(23)).toBe(2n * 375n); // s7: two faults per 8 iterations
  expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  return jit;
}

/** Integer, compressed, load/store and branch instructions in a counted loop. */
const LOOP = `
    .globl _start
_start:
    li a0, 0x0123456789abcdef
    li a1, 0x0fedcba987654321
    li s0, 20000
    la s1, buf
1:  add a0, a0, a1
    xor a1, a1, a0
    slli a2, a0, 13
    srai a3, a1, 7
    srli a3, a3, 1
    mul a4, a2, a3
    mulw a4, a4, a1
    addw a5, a4, a0
    subw a5, a5, a2
    sllw t4, a5, a1
    srlw t5, a5, a1
    sraw t6, a5, a0
    slliw t4, t4, 3
    srliw t5, t5, 5
    sraiw t6, t6, 7
    addiw t6, t6, -33
    sltu t0, a5, a4
    slt t2, a5, a4
    slti t3, a0, -5
    sltiu t3, a0, 17
    add a6, a6, t0
    or a6, a6, t2
    and a7, a6, a0
    sub a7, a7, t3
    xori a7, a7, -1
    ori a7, a7, 0x70
    andi t1, a0, 0x3f8
    add t1, t1, s1
    sd a0, 0(t1)
    sw a1, 8(t1)
    lw t2, 4(t1)
    lwu t3, 8(t1)
    lh t4, 2(t1)
    lhu t5, 10(t1)
    lb t6, 3(t1)
    lbu t3, 1(t1)
    ld t2, 8(t1)
    sh t3, 2(t1)
    sb t6, 5(t1)
    add a7, a7, t2
    blt a0, a1, 3f
    bge a4, a5, 3f
    bltu a2, a3, 3f
    bgeu a6, a7, 3f
    beq a0, a1, 3f
3:  auipc t0, 0
    lui t1, 0x12345
    add a7, a7, t1
    sd a7, 16(s1)
    addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .data
    .balign 4096
buf: .zero 8192
`;

describe("translator: differential runs", () => {
  it("a region whose last block falls through to the next page leaves at that page's first instruction", () => {
    // the loop's exit block ends at the page end: the region leaves with the pc of the next
    // page's first instruction (it left at the page's last byte, 0x...fff, found by the corpus)
    const src = `
    .globl _start
_start:
    li s0, 3000
    j 1f
    .balign 4096
    .space 4096 - 16
1:  addi s0, s0, -1
    addi s1, s1, 3
    bnez s0, 1b
    addi s2, s1, 1
    addi s3, s2, 1
${PASS}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(19)],
    );
    expect(jit.result.exitCode).toBe(0);
    expect(jit.reg(19)).toBe(9002n); // s3
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });

  it("integer, load/store and branch loop in bare mode (compressed and not)", () => {
    for (const rvc of [false, true]) {
      const { executed, jit } = expectSameRuns(
        (j) => runAsm(LOOP, { rvc, ...(j ? { setup: withJit } : {}) }),
        (r) => [r.result, r.out],
      );
      expect(jit.result.exitCode).toBe(0);
      expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
      // the loop's hot pcs (its head, the branch targets) are blocks of one region, entered
      // there, not regions of their own
      expect(jit.m.jit?.stats().regions).toBe(1);
    }
  });

  for (const cfg of [
    { tlb: "tiny", pages: 40, stride: 4096, priv: PRIV_S },
    { tlb: "skylake", pages: 200, stride: 4160, priv: PRIV_U },
    { tlb: "champsim", pages: 600, stride: 8192, priv: PRIV_S, huge: true },
    { tlb: "qemu-like", pages: 300, stride: 4096 * 7, priv: PRIV_U },
  ]) {
    it(`paged: ${cfg.tlb}, ${cfg.pages} pages, stride ${cfg.stride}: same TLB counters, entries and stamps`, () => {
      const span = cfg.pages * 4096;
      const source = stridedIncrement(6000, cfg.stride, span, "\n      lbu t3, 3(t1)\n      sh t3, 6(t1)");
      const { executed, jit } = expectSameRuns(
        (j) => runPagedGuest({ ...cfg, source, dataBytes: span, host: true, jit: j }),
        (g) => g.res,
      );
      expect(jit.res.exitCode).toBe(0);
      expect(executed).toBeGreaterThan(0.8 * jit.h.steps);
    });
  }
});

/** A loop over three code pages: a call into the next page, a jump on into the third, a
 *  jump back, a return, a taken branch to a forward label in another page (no heat there).
 *  `finish` ends it. */
const CROSS_PAGES = (finish: string, data: string): string => `
    .globl _start
_start:
    li s0, 4000
    li s5, ${data}
1:  call page2
    addi s0, s0, -1
    andi t0, s0, 3
    beqz t0, 2f
    ld t1, 0(s5)
    add t1, t1, s0
    sd t1, 0(s5)
2:  bnez s0, 1b
${finish}
    .balign 4096
page2: addi s1, s1, 3
    slli t2, s1, 2
    j page3
4:  xor s2, s2, t2
    ret
    .balign 4096
page3: addi s3, s3, 1
    andi t3, s3, 7
    bnez t3, 4b
    addi s4, s4, 5
    j 4b`;

describe("translator: chaining", () => {
  it("bare: regions in three pages chain into each other; the run is the same", () => {
    const src = `${CROSS_PAGES(PASS, "0x80100800")}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(9), r.reg(18), r.reg(20)],
    );
    expect(jit.reg(9)).toBe(12000n); // s1
    expect(jit.reg(20)).toBe(2500n); // s4
    const s = jit.m.jit?.stats();
    expect(s?.chained).toBeGreaterThan(10000); // about 4 chained entries a pass
    expect(s?.chainedWasm).toBeGreaterThan(10000); // by the hub, in wasm
    expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
  });

  for (const tlb of Object.keys(TLB_PRESETS)) {
    it(`paged (${tlb}): chaining across pages accounts the iTLB hits and stamps as the interpreter's fetch`, () => {
      const { executed, jit } = expectSameRuns(
        (j) =>
          runPagedGuest({
            tlb,
            source: CROSS_PAGES(FINISH, String(DATA_VA)),
            dataBytes: 4096,
            host: true,
            priv: PRIV_S,
            jit: j,
            codePages: 3,
          }),
        (g) => g.res,
      );
      expect(jit.res.exitCode).toBe(0);
      expect(jit.m.jit?.stats().chained).toBeGreaterThan(10000);
      expect(jit.m.jit?.stats().chainedWasm).toBeGreaterThan(10000);
      expect(executed).toBeGreaterThan(0.9 * jit.h.steps);
    });
  }

  it("timer interrupts come at the same instruction while the hub chains regions across pages", () => {
    // the loop over three pages with a periodic timer (mtimecmp = mtime + 13 ticks): each
    // chained region must fit what is left of the budget, the interrupt comes in between
    const loop = CROSS_PAGES(PASS, "0x80100800").replace("_start:\n", `_start:\n${TIMER_ON}\n`);
    const src = `${loop}\n${timerHandler("s6", "s7")}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => [r.result, r.reg(9), r.reg(20), r.reg(22), r.reg(23)],
    );
    expect(jit.reg(23)).toBeGreaterThan(40n); // s7: interrupts taken (49)
    expect(jit.m.jit?.stats().chainedWasm).toBeGreaterThan(5000);
    expect(executed).toBeGreaterThan(0.5 * jit.h.steps);
  });

  it("a region dropped while the hub chains into it (its code patched from another page) is not entered", () => {
    // page2 patches page3's first instruction every 64th pass (addi s3, s3, 1 or 2), then jumps
    // there: the store drops page3's region, the hub's cache with it
    const addi = (k: number): number => (k << 20) | (19 << 15) | (19 << 7) | 0x13; // addi s3, s3, k
    const src = `
    .globl _start
_start:
    li s0, 6000
    la s6, page3
    li s7, ${addi(1)}
    li s8, ${addi(2)}
1:  call page2
    addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .balign 4096
page2: addi s1, s1, 3
    andi t0, s0, 63
    bnez t0, 5f
    andi t1, s0, 64
    mv t2, s7
    beqz t1, 6f
    mv t2, s8
6:  sw t2, 0(s6)
5:  j page3
4:  ret
    .balign 4096
page3: addi s3, s3, 1
    addi s4, s4, 1
    j 4b`;
    const { jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result, r.reg(9), r.reg(19), r.reg(20)],
    );
    expect(jit.result.exitCode).toBe(0);
    expect(jit.reg(20)).toBe(6000n); // s4
    expect(jit.reg(19)).toBeGreaterThan(6000n); // s3: some passes ran the patched addi
    const s = jit.m.jit?.stats();
    expect(s?.dropped).toBeGreaterThan(0);
    expect(s?.chainedWasm).toBeGreaterThan(1000);
  });
});

describe("translator: accesses between chunks", () => {
  it("a modelled-TLB access between chunks (a kernel's copy to user memory) is at the hart's count", () => {
    // The run stops in the middle of the loop; then an access from outside the interpreter (as
    // the kernel's copies to user memory make) fills a slot. Its clock was h.steps + the chunk
    // count of the chunk's last slow path or region entry, which differ with translation (the
    // entry syncs the count, a host-TLB hit does not): cputimer.default (glibc) had 10 more
    // dTLB load misses translated once chunks were long. The count is 0 between chunks.
    const source = stridedIncrement(20000, 4160, 64 * 4096);
    const { jit } = expectSameRuns(
      (j) => {
        const g = runPagedGuest({
          tlb: "tiny",
          priv: PRIV_S,
          source,
          dataBytes: 64 * 4096,
          host: true,
          jit: j,
          insns: 50_003,
        });
        expect(g.res.exitCode).toBe(124); // stopped by the instruction limit
        const va = DATA_VA + 63n * 4096n;
        (g.h.translator as Paging).probe(g.h, Number(va), 0, "r", PRIV_S);
        expect(g.tlb.stamp[g.h.hostSlot]).toBe(g.h.steps);
        return g;
      },
      (g) => g.h.chunkN,
    );
    expect(jit.h.chunkN).toBe(0);
    expect(jit.m.jit?.stats().executed).toBeGreaterThan(10_000);
  });
});

describe("translator: profitability", () => {
  it("regions entered for a few instructions each are abandoned; the run is the same", () => {
    // every pass calls a function in another page: each region entry runs 2-3 instructions
    const src = `
    .globl _start
_start:
    li s0, 5000
1:  call far
    addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .balign 4096
far:
    addi s1, s1, 3
    ret`;
    const { jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: (m) => void attachJit(m, { hot: 64 }) } : {}),
      (r) => [r.result, r.reg(9)],
    );
    expect(jit.reg(9)).toBe(15000n);
    const s = jit.m.jit?.stats();
    expect(s?.regions).toBeGreaterThan(0);
    expect(s?.abandoned).toBe(s?.regions); // both: the loop's and far's
    expect(s?.executed).toBeLessThan(0.5 * jit.h.steps);
  });

  it("code full of F/D ops without a wasm fast path (fclass) stays interpreted; with keepAll it runs translated", () => {
    const src = `
    .globl _start
_start:
    li t0, 0x6000
    csrs mstatus, t0
    li s0, 3000
    fcvt.d.l f1, s0
1:  fclass.d t1, f1
    fclass.d t2, f0
    fclass.d t3, f1
    addi s0, s0, -1
    bnez s0, 1b
${PASS}`;
    const { jit } = sameAtHot64(src);
    expect(jit.m.jit?.stats().regions).toBe(0);
    const all = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => [r.result],
    );
    expect(all.executed).toBeGreaterThan(0.9 * all.jit.h.steps);
  });

  it("F/D arithmetic runs in wasm: an FP loop is translated and kept, fflags and FS as interpreted", () => {
    const src = `
    .globl _start
_start:
    li t0, 0x2000
    csrs mstatus, t0
    li s0, 3000
    fcvt.d.l f1, s0
    li t0, 3
    fcvt.d.l f3, t0
1:  fadd.d f0, f0, f1
    fmul.d f2, f0, f1
    fdiv.d f4, f2, f3
    fsub.d f0, f2, f0
    addi s0, s0, -1
    bnez s0, 1b
${PASS}`;
    const { jit } = sameAtHot64(src);
    const s = jit.m.jit?.stats();
    expect(s?.regions).toBeGreaterThan(0);
    expect(s?.abandoned).toBe(0);
    expect(s?.executed).toBeGreaterThan(0.9 * jit.h.steps);
    expect(jit.h.fflags & 1).toBe(1); // fdiv by 3 is inexact
    expect(jit.h.mstatus & 0x6000).toBe(0x6000);
  });
});

/** An S-mode loop of 3,000 passes: every 8th touches an unmapped page with a load and a store
 *  (two page faults), which the S handler logs (stval in s5, scause in s6, count in s7) and
 *  skips. */
const FAULTING_LOOP = `
    _start:
      la t0, handler
      csrw stvec, t0
      li s0, ${DATA_VA}
      li s1, 3000
      li s4, 0
    loop:
      addi s4, s4, 1
      andi t1, s1, 7
      li t2, 7
      bne t1, t2, 1f
      li t3, 0x7000000000
      add t3, t3, s1
      ld t4, 0(t3)
      sd t4, 8(t3)
    1:
      ld t5, 0(s0)
      addi t5, t5, 3
      sd t5, 0(s0)
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}
      .balign 4
    handler:
      csrr t6, sepc
      addi t6, t6, 4
      csrw sepc, t6
      csrr t6, stval
      add s5, s5, t6
      csrr t6, scause
      add s6, s6, t6
      addi s7, s7, 1
      sret`;

describe("translator: traps and interrupts", () => {
  it("page faults in the middle of a region: epc, tval, registers and instret as the interpreter's", () => {
    faultingLoop(FAULTING_LOOP, 0);
  });

  it("page faults reach the interpreter without a throw: entered by the slow paths, enter()'s REGION_TRAPPED", () => {
    // A throw unwinding the interpreter's run() costs V8 a search of its handler table; any
    // throw, caught even a frame up, ~8,000 host instructions.
    const got = { trapped: 0, thrown: 0, raised: 0 };
    const aligned = FAULTING_LOOP.replace("add t3, t3, s1", "slli t4, s1, 3\n      add t3, t3, t4");
    const { jit } = sameDelegatedRuns(aligned, (h) => {
      const raise = h.raise.bind(h);
      h.raise = (cause, tval) => {
        got.raised++;
        return raise(cause, tval);
      };
      const j = h.jit;
      if (j === null) return;
      const enter = j.enter.bind(j);
      j.enter = (...args) => {
        try {
          const k = enter(...args);
          if (k === REGION_TRAPPED) got.trapped++;
          return k;
        } catch (e) {
          got.thrown++;
          throw e;
        }
      };
    });
    expect(jit.h.reg(23)).toBe(2n * 375n); // s7: the faults taken
    expect(got.thrown).toBe(0);
    expect(got.raised).toBe(0); // in both runs: interpreted and translated
    expect(got.trapped).toBeGreaterThan(300); // most of them in a region
  });

  it("page faults of fld/fsd in a region with F/D ops: the f registers, fflags and FS at the trap as interpreted", () => {
    // f1 is written by the region before the faulting fld into f1: the handler sees its value.
    const source = `
    _start:
      la t0, handler
      csrw stvec, t0
      li s0, ${DATA_VA}
      li s1, 3000
      li t0, 7
      fcvt.d.l f2, t0
      fcvt.d.l f3, s1
      fdiv.d f2, f3, f2
    loop:
      fadd.d f1, f1, f2
      fmul.d f4, f1, f2
      andi t1, s1, 7
      li t2, 7
      bne t1, t2, 1f
      li t3, 0x7000000000
      add t3, t3, s1
      fld f1, 0(t3)
      fsd f4, 8(t3)
    1:
      fld f5, 0(s0)
      fadd.d f5, f5, f4
      fsd f5, 0(s0)
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}
      .balign 4
    handler:
      csrr t6, sepc
      addi t6, t6, 4
      csrw sepc, t6
      fmv.x.d t6, f1
      add s5, s5, t6
      frflags t6
      add s6, s6, t6
      fsflags zero
      addi s7, s7, 1
      sret`;
    const jit = faultingLoop(source, 0x2000); // FS = Initial
    expect(jit.h.reg(22)).toBeGreaterThan(0n); // s6: NX seen by the handler
  });

  it("timer interrupts come at the same instruction (regions never run past the budget)", () => {
    // A periodic timer (mtimecmp = mtime + 13 ticks in the handler, 1,300 instructions): the
    // loop runs translated between interrupts, and each region must stop at the budget.
    const src = `
    .globl _start
_start:
${TIMER_ON}
    li s0, 200000
1:  addi s0, s0, -1
    add s1, s1, s0
    xor s2, s2, s1
    bnez s0, 1b
${PASS}
${timerHandler("s3", "s4")}`;
    const { executed, jit } = expectSameRuns(
      (j) => runAsm(src, { quantum: 997, ...(j ? { setup: withJit } : {}) }),
      (r) => [r.result, r.reg(19), r.reg(20)],
    );
    expect(jit.reg(20)).toBeGreaterThan(50n); // s4: interrupts taken
    expect(executed).toBeGreaterThan(0.05 * jit.h.steps);
  });
});

describe("translator: invalidation", () => {
  it("a store into a translated region's code: the new instruction runs", () => {
    // The loop adds `addi s2, s2, 1` (patched to `addi s2, s2, 2` half-way) to s2.
    const src = `
    .globl _start
_start:
    li s0, 4000
    la s1, patch
    li s3, 2000
    lw s4, newinsn
1:  bne s0, s3, 2f
    sw s4, 0(s1)
2:
patch:
    addi s2, s2, 1
    addi s0, s0, -1
    bnez s0, 1b
${PASS}
    .balign 4
newinsn:
    addi s2, s2, 2`;
    const { jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => r.result,
    );
    expect(jit.reg(18)).toBe(2000n + 2n * 2000n);
    expect(jit.m.jit!.stats().dropped).toBeGreaterThan(0);
  });

  it("an AMO that writes the region's own code: the register it wrote, also written before in the region, is its result", () => {
    // amoor.w with x0 leaves the code as it was but is a store into it: the region is dropped and
    // left after the AMO, whose rd (a0, written by the region's addi before) must hold the word.
    const src = `
    .globl _start
_start:
    li s0, 3000
    la s1, 2f
    li s3, 1000
1:  addi a0, s0, 7
    bne s0, s3, 2f
    amoor.w a0, zero, (s1)
    add s2, s2, a0
2:  addi s0, s0, -1
    add s2, s2, a0
    bnez s0, 1b
${PASS}`;
    const { jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => r.result,
    );
    expect(jit.m.jit!.stats().dropped).toBeGreaterThan(0);
  });

  it("fence.i drops every region; they are translated again", () => {
    const src = `
    .globl _start
_start:
    li s0, 30
1:  li s1, 500
2:  addi s1, s1, -1
    add s2, s2, s1
    bnez s1, 2b
    fence.i
    addi s0, s0, -1
    bnez s0, 1b
${PASS}`;
    const { jit } = expectSameRuns(
      (j) => runAsm(src, j ? { setup: withJit } : {}),
      (r) => r.result,
    );
    const s = jit.m.jit!.stats();
    expect(s.dropped).toBeGreaterThan(10);
    expect(s.regions).toBeGreaterThanOrEqual(s.dropped);
  });
});

describe("translator: its clock", () => {
  it("translateMs is read from JitOptions.clock when given (the mmlab command's, not performance.now)", () => {
    let t = 0;
    let calls = 0;
    const clock = (): number => {
      calls++;
      t += 5;
      return t;
    };
    const r = runAsm(LOOP, { setup: (m) => void attachJit(m, { hot: 64, clock }) });
    const s = r.m.jit!.stats();
    expect(s.regions).toBeGreaterThan(0);
    // two readings a translation, five "ms" apart (the warm-up's scratch hart reads it too)
    expect(calls).toBeGreaterThanOrEqual(2 * s.regions);
    expect(s.translateMs).toBe(5 * s.regions);
  });
});
