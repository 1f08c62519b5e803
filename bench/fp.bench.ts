// Guest MIPS of FP-heavy loops next to the integer ALU loop of cpu.bench.ts, in the same run
// (bare mode, M-mode, satp Bare, mstatus.FS enabled by the guest). The FP loops are what a
// compiler makes of a running average and a sum of squares over a table of doubles (or floats):
// fld/flw, fmadd, fmul, fadd, fsub, fsd/fsw, flt, in round-to-nearest-even with dynamic rm,
// which is what gcc emits. Their values stay bounded, so every instruction stays on the path a
// long-running program would take. The target (README, Performance): FP MIPS at least half the
// integer MIPS.

import { LOOPS, loopRunner } from "./cpu.bench.js";
import { makeSuite, type SuiteFactory } from "./harness.js";

const INSNS = 2_000_000;
/** Values in the table the FP loops walk. */
const COUNT = 512;

/** The FP loop: 15 instructions, 9 of them F/D, over `COUNT` values of precision p. */
function fpLoop(p: "s" | "d"): string {
  const w = p === "d" ? 8 : 4;
  const ld = p === "d" ? "fld" : "flw";
  const st = p === "d" ? "fsd" : "fsw";
  const data = p === "d" ? ".double" : ".float";
  const values = Array.from({ length: COUNT }, (_, i) => ((i * 2654435761) % 1000003) / 1000003);
  return `
        .option norvc
        .text
        .globl _start
_start: li      t0, 0x2000
        csrs    mstatus, t0              # FS = Initial
        la      s0, xs
        la      s1, out
        li      t3, ${COUNT * w - 1}
        la      t0, consts
        ${ld}   fa1, 0(t0)               # 0.999
        ${ld}   fa3, ${w}(t0)            # 0.5
        ${ld}   fa0, ${2 * w}(t0)        # 0
        ${ld}   fa2, ${2 * w}(t0)
        li      a0, 0
        li      s2, 0
loop:   add     t0, s0, a0
        ${ld}   ft0, 0(t0)
        fmadd.${p} fa0, fa0, fa1, ft0    # acc = acc·0.999 + x
        fmul.${p}  ft1, ft0, ft0
        fmadd.${p} fa2, fa2, fa3, ft1    # sq = sq·0.5 + x²
        fsub.${p}  ft2, fa2, ft0
        fadd.${p}  ft3, ft2, fa0
        fmul.${p}  ft3, ft3, fa3
        add     t1, s1, a0
        ${st}   ft3, 0(t1)
        flt.${p}   t2, ft2, ft0
        add     s2, s2, t2
        addi    a0, a0, ${w}
        and     a0, a0, t3
        j       loop

        .data
        .balign 8
consts: ${data} 0.999, 0.5, 0.0
xs:     ${data} ${values.join(", ")}
        .bss
        .balign 8
out:    .zero   ${COUNT * w}
`;
}

export const FP_LOOPS: readonly [name: string, source: string][] = [
  ["fp double", fpLoop("d")],
  ["fp single", fpLoop("s")],
];

export const suites: SuiteFactory = (opts) => {
  const alu = LOOPS.find(([name]) => name === "alu")!;
  const cases = [["alu", alu[1]] as const, ...FP_LOOPS].map(([name, source]) => {
    const { runFor } = loopRunner(name, source);
    runFor(INSNS); // warm up
    return {
      name,
      fn: () => {
        runFor(INSNS);
      },
      derived: { label: "MIPS", perOp: INSNS, scale: 1e6 },
    };
  });
  const title = `FP loops vs the integer ALU loop, guest MIPS in bare mode, ${INSNS.toLocaleString("en-US")} instructions per op`;
  return [makeSuite({ name: "fp", title, cases, ratioTo: "alu" }, opts)];
};
