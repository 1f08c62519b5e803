// Randomized instruction streams (fast-check), run with and without translation: a loop whose
// body is a random mix of the integer ops the translator emits (divisions and mulh* with zero,
// -1 and INT64_MIN among the operands), loads and stores of every width (aligned or not) into a
// buffer, forward branches, F and D arithmetic, conversions, moves, loads and stores, AMOs and
// LR/SC pairs (called from the region into the interpreter's semantics), minstret reads (a
// side exit that must see the exact count) and the odd fence.i, in plain and compressed
// encodings. Same registers (x and f), fflags, reservation, counters, RAM and exit, and the
// regions really run.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runAsm } from "../../helpers/asm.js";
import { expectSameRuns, withJit } from "../../helpers/jitdiff.js";

const REGS = ["t0", "t1", "t2", "a0", "a1", "a2", "a3", "a4", "a5", "s2", "s3", "zero"];
const reg = fc.constantFrom(...REGS);
const dst = fc.constantFrom(...REGS.slice(0, -1));

const R_OPS = ["add", "sub", "xor", "or", "and", "sll", "srl", "sra", "slt", "sltu", "mul"];
const RW_OPS = ["addw", "subw", "sllw", "srlw", "sraw", "mulw"];
const M_OPS = ["mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw"];
const FREGS = ["f0", "f1", "f2", "f3", "f8", "f9"];
const freg = fc.constantFrom(...FREGS);
const FR_OPS = [
  "fadd.d",
  "fsub.d",
  "fmul.d",
  "fdiv.d",
  "fmin.d",
  "fmax.d",
  "fsgnj.d",
  "fsgnjn.d",
  "fsgnjx.d",
  "fadd.s",
  "fsub.s",
  "fmul.s",
  "fdiv.s",
  "fmin.s",
  "fmax.s",
  "fsgnj.s",
  "fsgnjn.s",
  "fsgnjx.s",
];
/** The ops above that round: they also get a static rounding mode now and then. */
const ROUNDED = /^f(add|sub|mul|div)\./;
const RMS = ["", "", "", "", ", rne", ", rtz", ", rdn", ", rup", ", rmm", ", dyn"];
const FCMP = ["feq.d", "flt.d", "fle.d", "feq.s", "flt.s", "fle.s"];
const FUSED = ["fmadd", "fmsub", "fnmsub", "fnmadd"].flatMap((o) => [`${o}.d`, `${o}.s`]);
/** Bit patterns for the f registers: zeros, subnormals, the smallest normals, near-overflow
 *  values, infinities, quiet and signalling NaNs of both widths, singles properly and not
 *  NaN-boxed (the canonical NaN then), and a few ordinary values. */
const F_EDGES: bigint[] = [
  0n,
  1n << 63n,
  1n,
  (1n << 63n) | 1n,
  0x0010000000000000n,
  0x000fffffffffffffn,
  0x7fefffffffffffffn,
  0xffefffffffffffffn,
  0x7ff0000000000000n,
  0xfff0000000000000n,
  0x7ff8000000000000n,
  0x7ff0000000000001n,
  0xfff8000000000005n,
  0x3ff0000000000000n,
  0x4008000000000000n,
  0x3fb999999999999an,
  0x0370000000000000n, // 2^-968: products and quotients near the guards
  0x7e00000000000001n,
  0xffffffff00000000n,
  0xffffffff80000000n,
  0xffffffff00000001n,
  0xffffffff00800000n,
  0xffffffff7f7fffffn,
  0xffffffff7f800000n,
  0xffffffff7fc00000n,
  0xffffffff7f800001n,
  0xffffffff3f800000n,
  0xffffffff40400000n,
  0xffffffff3dcccccdn,
  0x000000003f800000n,
  0xfffffffe3f800000n,
];
const AMOS = ["amoadd.d", "amoswap.d", "amoxor.w", "amoand.w", "amoor.d", "amomin.d", "amomaxu.w"];
const I_OPS = ["addi", "xori", "ori", "andi", "slti", "sltiu", "addiw"];
const LOADS = ["lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"];
const STORES = ["sb", "sh", "sw", "sd"];
const BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];

/** One instruction as a function of its index (branches name a later label). */
type Gen = (i: number, n: number) => string;

const insn: fc.Arbitrary<Gen> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom(...R_OPS, ...RW_OPS), dst, reg, reg).map(
      ([o, d, a, b]) =>
        () =>
          `${o} ${d}, ${a}, ${b}`,
    ),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...I_OPS), dst, reg, fc.integer({ min: -2048, max: 2047 })).map(
      ([o, d, a, k]) =>
        () =>
          `${o} ${d}, ${a}, ${k}`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom("slli", "srli", "srai", "slliw", "srliw", "sraiw"),
        dst,
        reg,
        fc.integer({ min: 0, max: 63 }),
      )
      .map(
        ([o, d, a, k]) =>
          () =>
            `${o} ${d}, ${a}, ${o.endsWith("w") ? k & 31 : k}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(dst, fc.integer({ min: 0, max: 0xfffff })).map(
      ([d, k]) =>
        () =>
          `lui ${d}, ${k}`,
    ),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...LOADS), dst, fc.integer({ min: 0, max: 8184 })).map(
      ([o, d, k]) =>
        () =>
          `${o} ${d}, ${k & ~0x3f0 ? k % 2040 : k}(s10)`,
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...STORES), reg, fc.integer({ min: 0, max: 2040 })).map(
      ([o, v, k]) =>
        () =>
          `${o} ${v}, ${k}(s10)`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), reg, reg, fc.integer({ min: 1, max: 6 })).map(
      ([o, a, b, k]) =>
        (i: number, n: number) =>
          `${o} ${a}, ${b}, L${Math.min(i + k, n)}`,
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...M_OPS), dst, reg, reg).map(
      ([o, d, a, b]) =>
        () =>
          `${o} ${d}, ${a}, ${b}`,
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...FR_OPS), freg, freg, freg, fc.constantFrom(...RMS)).map(
      ([o, d, a, b, rm]) =>
        () =>
          `${o} ${d}, ${a}, ${b}${ROUNDED.test(o) ? rm : ""}`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...FUSED), freg, freg, freg, freg, fc.constantFrom(...RMS)).map(
      ([o, d, a, b, c, rm]) =>
        () =>
          `${o} ${d}, ${a}, ${b}, ${c}${rm}`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom("fsqrt.d", "fsqrt.s", "fcvt.s.d", "fcvt.d.s", "fmv.d", "fneg.s", "fabs.d"),
        freg,
        freg,
        fc.constantFrom(...RMS),
      )
      .map(
        ([o, d, a, rm]) =>
          () =>
            `${o} ${d}, ${a}${o.startsWith("fsqrt") || o === "fcvt.s.d" ? rm : ""}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          ...["w", "wu", "l", "lu"].flatMap((k) => [
            `fcvt.${k}.d`,
            `fcvt.${k}.s`,
            `fcvt.d.${k}`,
            `fcvt.s.${k}`,
          ]),
          "fmv.x.w",
          "fmv.w.x",
          "fclass.s",
        ),
        dst,
        freg,
        fc.constantFrom(...RMS),
      )
      .map(([o, x, fr, rm]) => () => {
        const toF = o.startsWith("fcvt.d.") || o.startsWith("fcvt.s.") || o === "fmv.w.x";
        const withRm = o.startsWith("fcvt") && !/^fcvt\.d\.wu?$/.test(o) ? rm : "";
        return toF ? `${o} ${fr}, ${x}${withRm}` : `${o} ${x}, ${fr}${withRm}`;
      }),
  },
  {
    // an edge bit pattern into an f register, or the dynamic rounding mode changed
    weight: 1,
    arbitrary: fc.tuple(freg, fc.constantFrom(...F_EDGES), fc.integer({ min: 0, max: 9 })).map(
      ([d, v, k]) =>
        () =>
          k < 8
            ? `li t6, ${BigInt.asIntN(64, v)}\n    fmv.d.x ${d}, t6`
            : `fsrmi ${k - 8 === 0 ? 0 : 1 + (Number(v & 3n))}`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "fmv.d.x",
          "fcvt.d.l",
          "fcvt.s.w",
          "fmv.x.d",
          "fcvt.l.d",
          "fcvt.wu.s",
          "fclass.d",
          "fsqrt.d",
        ),
        dst,
        freg,
        freg,
      )
      .map(([o, x, fd, fs]) => () => {
        if (o === "fsqrt.d") return `${o} ${fd}, ${fs}`;
        return o.startsWith("fmv.d") || o.startsWith("fcvt.d") || o.startsWith("fcvt.s")
          ? `${o} ${fd}, ${x}`
          : `${o} ${x}, ${fs}`;
      }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...FCMP), dst, freg, freg).map(
      ([o, d, a, b]) =>
        () =>
          `${o} ${d}, ${a}, ${b}`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(freg, freg, freg, freg).map(
      ([d, a, b, c]) =>
        () =>
          `fmadd.d ${d}, ${a}, ${b}, ${c}`,
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom("fld", "fsd", "flw", "fsw"), freg, fc.integer({ min: 0, max: 2040 }))
      .map(
        ([o, r, k]) =>
          () =>
            `${o} ${r}, ${k}(s10)`,
      ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...AMOS), dst, reg).map(
      ([o, d, v]) =>
        () =>
          `${o} ${d}, ${v}, (s10)`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(dst, dst, reg, fc.boolean()).map(
      ([d, d2, v, pair]) =>
        () =>
          pair ? `lr.d ${d}, (s10)\n    sc.d ${d2}, ${v}, (s10)` : `sc.w ${d2}, ${v}, (s10)`,
    ),
  },
  { weight: 1, arbitrary: dst.map((d) => () => `csrr ${d}, minstret`) },
  {
    // the CSR accesses of FP code: fflags read and written (in wasm), frm and fcsr read
    weight: 2,
    arbitrary: fc.tuple(dst, reg, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 8 })).map(
      ([d, v, k, form]) =>
        () =>
          [
            `frflags ${d}`,
            `fsflags ${d}, ${v}`,
            `fsflags ${v}`,
            `fsflagsi ${d}, ${k}`,
            `csrrs ${d}, fflags, ${v}`,
            `csrrci ${d}, fflags, ${k}`,
            `frrm ${d}`,
            `frcsr ${d}`,
            `csrrs ${d}, fcsr, zero`,
          ][form]!,
    ),
  },
  { weight: 1, arbitrary: fc.constant(() => "addi s10, s10, 8") },
);

/** fence.i at the end of the loop body in one program out of eight. */
const rareFence = fc.integer({ min: 0, max: 7 }).map((k) => (k === 0 ? "fence.i" : ""));

/** Start values of the registers the body uses: any 64-bit pattern, often one that divisions
 *  and high multiplies treat apart (0, -1, INT64_MIN, INT32_MIN). */
const starts = fc.array(
  fc.oneof(
    fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    fc.constantFrom(0n, -1n, 1n, -(1n << 63n), -(1n << 31n), (1n << 32n) - 1n),
    fc.constantFrom(...F_EDGES.map((v) => BigInt.asIntN(64, v))),
  ),
  {
    minLength: REGS.length - 1,
    maxLength: REGS.length - 1,
  },
);

function program(body: Gen[], fence: string, init: bigint[], iters: number, frm = 0): string {
  const n = body.length;
  const lines = body.map((g, i) => `L${i}: ${g(i, n)}`);
  const li = init.map((v, i) => `    li ${REGS[i]}, ${v}`).join("\n");
  return `
    .globl _start
_start:
    li t0, 0x6000
    csrs mstatus, t0
${li}
    fsrmi ${frm}
    fmv.d.x f0, a0
    fmv.d.x f1, a1
    fcvt.d.l f2, a2
    fcvt.s.l f3, a3
    fcvt.d.w f8, a4
    fmv.w.x f9, a5
    li s11, ${iters}
    la s9, buf
1:  mv s10, s9
    andi t6, s11, 0xf0
    add s10, s10, t6
${lines.join("\n")}
L${n}:
    ${fence}
    addi s11, s11, -1
    bnez s11, 1b
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
2:  j 2b
    .data
    .balign 4096
buf: .zero 12288
`;
}

describe("translator: random instruction streams", () => {
  it("leave the same state with and without translation", () => {
    fc.assert(
      fc.property(
        fc.array(insn, { minLength: 5, maxLength: 40 }),
        rareFence,
        starts,
        fc.boolean(),
        fc.constantFrom(0, 0, 0, 1, 2, 3, 4),
        (body, fence, init, rvc, frm) => {
          const src = program(body, fence, init, 200, frm);
          const { executed, jit } = expectSameRuns(
            (j) => runAsm(src, { rvc, ...(j ? { setup: withJit } : {}) }),
            (r) => [r.result, r.out],
          );
          expect(jit.result.exitCode).toBe(0);
          expect(executed).toBeGreaterThan(0);
        },
      ),
      { numRuns: 30, seed: 12 },
    );
  }, 240_000); // 60 machine runs: minutes on a loaded machine
});
