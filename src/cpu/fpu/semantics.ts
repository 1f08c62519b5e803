// The semantics of the F and D instructions, as case bodies of the generated interpreter (see
// ../semantics.ts for the names in scope). Besides those, FP bodies use:
//   fr, fi, f32  the hart's f registers as Float64Array(32), Int32Array(64), Float32Array(64):
//                f register r is fr[d >> 1] as a double, fi[d] / fi[d + 1] its low and high words,
//                f32[d] its low word as a single (d, s1, s2, s3 are pair indices 2r)
//   fpu          the helpers of ./ops.ts (slow paths and rare instructions)
//   a            the slot word: s3 = (a >>> 21) & 127 for the fused multiply-adds
//   imm          the rm field (7 = dynamic: frm)
// The common round-to-nearest-even cases of add, sub and mul, the loads and stores, moves,
// sign injection and comparisons run inline without allocating; everything else calls fpu.
//
// mstatus.FS: every body first checks that FP is on (FS != Off, and D present for D
// instructions): `(ms & G) !== 0x6000` is one compare while FS is Dirty, and its slow path
// raises illegal instruction when FS is Off. Bodies that write f registers set FS = Dirty after
// they have done so (an instruction that traps leaves FS alone); flags raised by instructions
// that write no f register set it through h.fpFlags.

import { hostTlbPairSource } from "../hosttlb.js";
import type { FpMnemonic } from "../isa.js";
import type { Semantics } from "../semantics.js";

type Prec = "s" | "d";

/** The FS gate mask: 0x6000 for F, h.fsD (0 on a hart without D) for D. */
const gate = (p: Prec): string => (p === "d" ? "h.fsD" : "0x6000");
/** Entry of a body that writes f registers (pairs with DIRTY at its end). */
const PRE = (p: Prec): string =>
  `const ms = h.mstatus; if ((ms & ${gate(p)}) !== 0x6000) { SYNC_PC; h.fpCheck(${p === "d"}); }`;
const DIRTY = "if ((ms & 0x6000) !== 0x6000) h.mstatus |= 0x6000;";
/** Entry of a body that writes no f register. */
const PRE_R = (p: Prec): string =>
  `if ((h.mstatus & ${gate(p)}) === 0) { SYNC_PC; h.fpCheck(${p === "d"}); }`;
const RM = "const rm = imm === 7 ? h.frm : imm;";
/** Call fpu.fn with the resolved rm (which may be invalid: fpu then raises illegal instruction). */
const callRm = (call: (rm: string) => string): string =>
  `if (rm === 0) ${call("0")}; else { SYNC_PC; ${call("rm")}; }`;

const TINY = `${2 ** -900}`;
const HUGE = `${2 ** 990}`;
const MIN_S = `${2 ** -126}`;
const CANON_S = "0x7fc00000";
// The host-TLB entry of an address, doubled (hostTlbPair), as the integer loads and stores
// compute it.
const TLB_ENTRY = hostTlbPairSource("lo");

/** A single operand, unboxed (the canonical NaN's value when not NaN-boxed). */
const sv = (s: string): string => `(fi[${s} + 1] === -1 ? f32[${s}] : NaN)`;
/** A single operand's bits, unboxed. */
const sb = (s: string): string => `(fi[${s} + 1] === -1 ? fi[${s}] : ${CANON_S})`;

const writer = (p: Prec, body: string): Semantics => ({ body: `${PRE(p)} ${body} ${DIRTY}` });
const reader = (p: Prec, body: string): Semantics => ({ body: `${PRE_R(p)} ${body}` });

function loadF(p: Prec, ea: string): Semantics {
  const w = p === "d" ? 8 : 4;
  const fast =
    p === "d"
      ? "fi[d] = i32[p >>> 2]; fi[d + 1] = i32[(p >>> 2) + 1];"
      : "fi[d] = i32[p >>> 2]; fi[d + 1] = -1;";
  const slow =
    p === "d"
      ? "const v = h.loadSlow(lo, hi, 8, true); fi[d + 1] = r.hi; fi[d] = v;"
      : "const v = h.loadSlow(lo, hi, 4, true); fi[d] = v; fi[d + 1] = -1;";
  return writer(
    p,
    `${ea} const e = ${TLB_ENTRY};` +
      ` if (rLo[e] === (lo & -4096) && rHi[e] === hi && (lo & ${w - 1}) === 0) {` +
      ` const p = rBase[e] + (lo & 4095); ${fast} ACCT_R }` +
      ` else { SYNC_PC; ${slow} }`,
  );
}

function storeF(p: Prec, ea: string): Semantics {
  const w = p === "d" ? 8 : 4;
  const fast =
    p === "d" ? "i32[p >>> 2] = fi[s2]; i32[(p >>> 2) + 1] = fi[s2 + 1];" : "i32[p >>> 2] = fi[s2];";
  return reader(
    p,
    `${ea} const e = ${TLB_ENTRY};` +
      ` if (wLo[e] === (lo & -4096) && wHi[e] === hi && (lo & ${w - 1}) === 0) {` +
      ` const p = wBase[e] + (lo & 4095); ${fast} ACCT_W }` +
      ` else { SYNC_PC; h.storeSlow(lo, hi, ${w}, fi[s2], fi[s2 + 1]); if (h.yieldRequested) END_AFTER; }`,
  );
}

/** fadd/fsub: TwoSum gives the inexact flag; anything special goes to fpu.add*. */
function addSub(p: Prec, neg: 0 | 1): Semantics {
  const fn = p === "d" ? "fpu.addD" : "fpu.addS";
  const slow = (rm: string): string => `${fn}(h, d, s1, s2, ${rm}, ${neg})`;
  const b = neg ? "-" : "";
  const fast =
    p === "d"
      ? `const a = fr[s1 >> 1], b = ${b}fr[s2 >> 1], v = a + b, bb = v - a, er = a - (v - bb) + (b - bb);` +
        " if (v - v === 0 && er - er === 0) { fr[d >> 1] = v; if (er !== 0) h.fflags |= 1; }" +
        ` else ${slow("0")};`
      : `const a = ${sv("s1")}, b = ${b}${sv("s2")}, v = a + b, q = Math.fround(v), bb = v - a,` +
        " er = a - (v - bb) + (b - bb);" +
        ` if (q - q === 0 && ((er === 0 && q === v) || Math.abs(q) > ${MIN_S}))` +
        " { f32[d] = q; fi[d + 1] = -1; if (er !== 0 || q !== v) h.fflags |= 1; }" +
        ` else ${slow("0")};`;
  return writer(p, `${RM} if (rm === 0) { ${fast} } else { SYNC_PC; ${slow("rm")}; }`);
}

/** fmul: Dekker's TwoProduct (double) or the exact double product (single). */
function mulF(p: Prec): Semantics {
  const fn = p === "d" ? "fpu.mulD" : "fpu.mulS";
  const slow = (rm: string): string => `${fn}(h, d, s1, s2, ${rm})`;
  const fast =
    p === "d"
      ? "const a = fr[s1 >> 1], b = fr[s2 >> 1], v = a * b, av = Math.abs(v);" +
        ` if (av >= ${TINY} && av < ${HUGE} && Math.abs(a) < ${HUGE} && Math.abs(b) < ${HUGE}) {` +
        " let t = 134217729 * a; const ah = t - (t - a), al = a - ah;" +
        " t = 134217729 * b; const bh = t - (t - b), bl = b - bh;" +
        " fr[d >> 1] = v; if (ah * bh - v + ah * bl + al * bh + al * bl !== 0) h.fflags |= 1; }" +
        ` else ${slow("0")};`
      : `const v = ${sv("s1")} * ${sv("s2")}, q = Math.fround(v);` +
        ` if (q - q === 0 && (q === v || Math.abs(q) > ${MIN_S}))` +
        " { f32[d] = q; fi[d + 1] = -1; if (q !== v) h.fflags |= 1; }" +
        ` else ${slow("0")};`;
  return writer(p, `${RM} if (rm === 0) { ${fast} } else { SYNC_PC; ${slow("rm")}; }`);
}

/** An instruction computed by an fpu helper taking (h, d, s1, ..., rm, ...extra). */
const viaFpu = (p: Prec, fn: string, args: string): Semantics =>
  writer(p, `${RM} ${callRm((rm) => `fpu.${fn}(h, d, ${args}, ${rm})`)}`);

/**
 * fmadd/fmsub/fnmsub/fnmadd. Double: TwoProduct, two TwoSums and round-to-odd (see ./ops.ts),
 * all inline while the operands are in the safe range. Single: the product is exact in a double;
 * the sum is rounded to odd in double, then once to single.
 */
function fused(p: Prec, negP: 0 | 1, negC: 0 | 1): Semantics {
  const fn = p === "d" ? "fmaD" : "fmaS";
  const slow = (rm: string): string => `fpu.${fn}(h, d, s1, s2, s3, ${rm}, ${negP}, ${negC})`;
  const nP = negP ? "-" : "";
  const nC = negC ? "-" : "";
  const fast =
    p === "d"
      ? `const x1 = ${nP}fr[s1 >> 1], x2 = fr[s2 >> 1], x3 = ${nC}fr[s3 >> 1], m = x1 * x2,` +
        " am = Math.abs(m), ac = Math.abs(x3);" +
        ` if (am >= ${TINY} && am < ${HUGE} && Math.abs(x1) < ${HUGE} && Math.abs(x2) < ${HUGE} && ac < ${HUGE}` +
        ` && (ac >= ${TINY} || x3 === 0)) {` +
        " let t = 134217729 * x1; const ah = t - (t - x1), al = x1 - ah;" +
        " t = 134217729 * x2; const bh = t - (t - x2), bl = x2 - bh;" +
        " const me = ah * bh - m + ah * bl + al * bh + al * bl;" +
        " const sm = m + x3; let bb = sm - m; const se = m - (sm - bb) + (x3 - bb);" +
        " let u = se + me; bb = u - se; const ue = se - (u - bb) + (me - bb);" +
        " if (ue !== 0) u = fpu.roundToOdd(u, ue);" +
        ` const v = sm + u; if (Math.abs(v) >= ${TINY}) { bb = v - sm; fr[d >> 1] = v;` +
        " if (ue !== 0 || sm - (v - bb) + (u - bb) !== 0) h.fflags |= 1; }" +
        ` else ${slow("0")}; } else ${slow("0")};`
      : `const x1 = ${sv("s1")}, x2 = ${sv("s2")}, x3 = ${nC}${sv("s3")}, m = ${nP}(x1 * x2), sm = m + x3;` +
        " if (sm - sm === 0) { const bb = sm - m, er = m - (sm - bb) + (x3 - bb);" +
        " const o = er !== 0 ? fpu.roundToOdd(sm, er) : sm, q = Math.fround(o);" +
        ` if (q - q === 0 && ((er === 0 && q === o) || Math.abs(q) > ${MIN_S}))` +
        " { f32[d] = q; fi[d + 1] = -1; if (er !== 0 || q !== o) h.fflags |= 1; }" +
        ` else ${slow("0")}; } else ${slow("0")};`;
  return writer(
    p,
    `const s3 = (a >>> 21) & 127; ${RM} if (rm === 0) { ${fast} } else { SYNC_PC; ${slow("rm")}; }`,
  );
}

/** fsgnj/fsgnjn/fsgnjx: bit operations only (no NaN is touched, no flag raised). */
function sgnj(p: Prec, kind: 0 | 1 | 2): Semantics {
  const SIGN = "-2147483648";
  const sign = (a: string, b: string): string =>
    kind === 0
      ? `(${a} & 0x7fffffff) | (${b} & ${SIGN})`
      : kind === 1
        ? `(${a} & 0x7fffffff) | (~${b} & ${SIGN})`
        : `${a} ^ (${b} & ${SIGN})`;
  if (p === "d") {
    return writer(
      p,
      `const l = fi[s1], a1 = fi[s1 + 1], b1 = fi[s2 + 1]; fi[d] = l; fi[d + 1] = ${sign("a1", "b1")};`,
    );
  }
  return writer(p, `const a1 = ${sb("s1")}, b1 = ${sb("s2")}; fi[d] = ${sign("a1", "b1")}; fi[d + 1] = -1;`);
}

/** feq (op 0, quiet), flt (1), fle (2): signalling comparisons raise NV for any NaN. */
function cmp(p: Prec, op: 0 | 1 | 2): Semantics {
  const rel = ["===", "<", "<="][op];
  const [x1, x2] = p === "d" ? ["fr[s1 >> 1]", "fr[s2 >> 1]"] : [sv("s1"), sv("s2")];
  const nan = p === "d" ? "fpu.cmpNaND" : "fpu.cmpNaNS";
  return reader(
    p,
    `const a1 = ${x1}, b1 = ${x2};` +
      ` if (a1 === a1 && b1 === b1) x[d] = a1 ${rel} b1 ? 1 : 0; else { x[d] = 0; ${nan}(h, s1, s2, ${op !== 0}); }` +
      " x[d + 1] = 0;",
  );
}

/** fcvt to an integer (kind 0..3: w, wu, l, lu), into x. */
function toInt(p: Prec, kind: number): Semantics {
  const fn = p === "d" ? "fpu.toIntD" : "fpu.toIntS";
  return reader(p, `${RM} if (rm > 4) { SYNC_PC; h.illegalHere(); } ${fn}(h, d, s1, ${kind}, rm);`);
}

/** fcvt from an integer (kind 0..3) in x; int32 → double is exact and inline. */
function fromInt(p: Prec, kind: number): Semantics {
  if (p === "d" && kind < 2) {
    const v = kind === 0 ? "x[s1]" : "(x[s1] >>> 0)";
    return writer(p, `${RM} if (rm > 4) { SYNC_PC; h.illegalHere(); } fr[d >> 1] = ${v};`);
  }
  const fn = p === "d" ? "fromIntD" : "fromIntS";
  return writer(p, `${RM} ${callRm((rm) => `fpu.${fn}(h, d, s1, ${kind}, ${rm})`)}`);
}

/** The F and D semantics; `ea` is the effective-address snippet of ../semantics.ts. */
export function fpSemantics(ea: string): Record<FpMnemonic, Semantics> {
  const byPrec = (p: Prec) => {
    const D = p === "d";
    const P = D ? "D" : "S";
    return {
      [`fadd.${p}`]: addSub(p, 0),
      [`fsub.${p}`]: addSub(p, 1),
      [`fmul.${p}`]: mulF(p),
      [`fdiv.${p}`]: viaFpu(p, `div${P}`, "s1, s2"),
      [`fsqrt.${p}`]: viaFpu(p, `sqrt${P}`, "s1"),
      [`fmadd.${p}`]: fused(p, 0, 0),
      [`fmsub.${p}`]: fused(p, 0, 1),
      [`fnmsub.${p}`]: fused(p, 1, 0),
      [`fnmadd.${p}`]: fused(p, 1, 1),
      [`fsgnj.${p}`]: sgnj(p, 0),
      [`fsgnjn.${p}`]: sgnj(p, 1),
      [`fsgnjx.${p}`]: sgnj(p, 2),
      [`fmin.${p}`]: writer(p, `fpu.minMax${P}(h, d, s1, s2, 0);`),
      [`fmax.${p}`]: writer(p, `fpu.minMax${P}(h, d, s1, s2, 1);`),
      [`feq.${p}`]: cmp(p, 0),
      [`flt.${p}`]: cmp(p, 1),
      [`fle.${p}`]: cmp(p, 2),
      [`fclass.${p}`]: reader(p, `fpu.class${P}(h, d, s1);`),
      [`fcvt.w.${p}`]: toInt(p, 0),
      [`fcvt.wu.${p}`]: toInt(p, 1),
      [`fcvt.l.${p}`]: toInt(p, 2),
      [`fcvt.lu.${p}`]: toInt(p, 3),
      [`fcvt.${p}.w`]: fromInt(p, 0),
      [`fcvt.${p}.wu`]: fromInt(p, 1),
      [`fcvt.${p}.l`]: fromInt(p, 2),
      [`fcvt.${p}.lu`]: fromInt(p, 3),
    };
  };
  const table: Record<string, Semantics> = {
    flw: loadF("s", ea),
    fsw: storeF("s", ea),
    fld: loadF("d", ea),
    fsd: storeF("d", ea),
    ...byPrec("s"),
    ...byPrec("d"),
    "fcvt.s.d": viaFpu("d", "cvtSD", "s1"),
    "fcvt.d.s": viaFpu("d", "cvtDS", "s1"),
    "fmv.x.w": reader("s", "const v = fi[s1]; x[d] = v; x[d + 1] = v >> 31;"),
    "fmv.w.x": writer("s", "fi[d] = x[s1]; fi[d + 1] = -1;"),
    "fmv.x.d": reader("d", "x[d] = fi[s1]; x[d + 1] = fi[s1 + 1];"),
    "fmv.d.x": writer("d", "fi[d] = x[s1]; fi[d + 1] = x[s1 + 1];"),
  };
  return table as Record<FpMnemonic, Semantics>;
}
