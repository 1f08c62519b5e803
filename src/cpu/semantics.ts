// The semantics of every instruction, each written once, as the body of one case of the
// interpreter's switch. interp.ts generates the interpreter's variants around them.
//
// A body runs with these names in scope:
//   x            Int32Array register file: register r is x[2r] (low word), x[2r+1] (high word)
//   d, s1, s2    register pair indices of rd, rs1, rs2 (rd = x0 is redirected to the sink pair X0_SINK)
//   imm, len     the decoded immediate (sign-extended int32) and the instruction length (2 or 4)
//   pcLo, pcHi   the pc as two int32 words; a "jump" body assigns them
//   h            the Hart (slow paths, CSRs, traps); r the int64 helpers' high-word result
//   u8 i8 u16 i16 i32  views of RAM; rLo rHi rBase / wLo wHi wBase the load/store host TLB, entry
//                e at index e = 2 * entry (hosttlb.ts hostTlbPair)
//   n            instructions executed in this chunk, including this one
// ACCT_R/ACCT_W mark where the paged interpreter accounts a host-TLB hit to the modelled TLB (its
// LRU stamp and hit counter): the host entry is a copy of a live modelled entry by construction.
// FAULT marks where the trap a slow path entered without throwing (h.faulted, Hart.loadGuarded)
// or an ecall is taken: run() goes to its trap handling without unwinding its own frame.
// Values stored in x must be int32 (`| 0`), never doubles or unsigned. The F and D bodies are in
// fpu/semantics.ts, which lists the further names they use.

import { CSR_KIND } from "./csr.js";
import { fpSemantics } from "./fpu/semantics.js";
import { hostTlbPairSource } from "./hosttlb.js";
import type { Mnemonic } from "./isa.js";

export interface Semantics {
  body: string;
  /** "jump": the body sets the pc; "end": the body may change state the loop caches, so the
   *  chunk ends after it (pc advanced); "seq" (default): fall through to the next instruction. */
  flow?: "seq" | "jump" | "end";
}

/** Store (lo, hi) expressions into rd. */
const setRd = (lo: string, hi: string): string => `{ const _l = ${lo}; x[d + 1] = ${hi}; x[d] = _l; }`;
/** Sign-extend a 32-bit result into rd. */
const setW = (lo: string): string => `{ const _l = (${lo}) | 0; x[d] = _l; x[d + 1] = _l >> 31; }`;

/** The effective address x[s1] + imm as (lo, hi). */
const EA =
  "const lo = (x[s1] + imm) | 0; " +
  "const hi = (x[s1 + 1] + (imm >> 31) + ((lo >>> 0) < (x[s1] >>> 0) ? 1 : 0)) | 0;";

/** pc + imm into pc (a taken branch or jal). */
export const JUMP_REL =
  "{ const t = (pcLo + imm) | 0; " +
  "pcHi = (pcHi + (imm >> 31) + ((t >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0; pcLo = t; }";

/** pc + len into (lo, hi) of rd, the link register. */
// The host-TLB entry of the address in lo, doubled (hostTlbPair): the integer loads and stores.
const TLB_ENTRY = hostTlbPairSource("lo");
const LINK = "const ll = (pcLo + len) | 0; const lh = (pcHi + ((ll >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0;";

export const NEXT_PC = "pcLo = (pcLo + len) | 0; if ((pcLo >>> 0) < len) pcHi = (pcHi + 1) | 0;";

function load(width: 1 | 2 | 4 | 8, signed: boolean): Semantics {
  const align = width - 1;
  const fast: Record<number, string> = {
    1: signed ? "i8[p]" : "u8[p]",
    2: signed ? "i16[p >>> 1]" : "u16[p >>> 1]",
    4: "i32[p >>> 2]",
    8: "i32[p >>> 2]",
  };
  const hiExpr = width === 8 ? "vh" : width === 4 && signed ? "v >> 31" : signed ? "v >> 31" : "0";
  const vh = width === 8 ? "let vh = 0;" : "";
  const fastHi = width === 8 ? " vh = i32[(p >>> 2) + 1];" : "";
  const slowHi = width === 8 ? " vh = r.hi;" : "";
  return {
    body:
      `${EA} const e = ${TLB_ENTRY}; let v = 0; ${vh}` +
      `if (rLo[e] === (lo & -4096) && rHi[e] === hi${align ? ` && (lo & ${align}) === 0` : ""}) {` +
      ` const p = rBase[e] + (lo & 4095); v = ${fast[width]};${fastHi} ACCT_R }` +
      ` else { SYNC_PC; v = h.loadGuarded(lo, hi, ${width}, ${signed}); if (h.faulted !== 0) FAULT;${slowHi} }` +
      ` x[d + 1] = ${width === 4 && !signed ? "0" : hiExpr}; x[d] = v;`,
  };
}

function store(width: 1 | 2 | 4 | 8): Semantics {
  const align = width - 1;
  const fast: Record<number, string> = {
    1: "u8[p] = x[s2];",
    2: "u16[p >>> 1] = x[s2];",
    4: "i32[p >>> 2] = x[s2];",
    8: "i32[p >>> 2] = x[s2]; i32[(p >>> 2) + 1] = x[s2 + 1];",
  };
  return {
    body:
      `${EA} const e = ${TLB_ENTRY};` +
      ` if (wLo[e] === (lo & -4096) && wHi[e] === hi${align ? ` && (lo & ${align}) === 0` : ""}) {` +
      ` const p = wBase[e] + (lo & 4095); ${fast[width]} ACCT_W }` +
      ` else { SYNC_PC; h.storeGuarded(lo, hi, ${width}, x[s2], x[s2 + 1]); if (h.faulted !== 0) FAULT; if (h.yieldRequested) END_AFTER; }`,
  };
}

/** A CSR instruction of access `kind` (CSR_KIND): Hart.csrOp, the chunk ending after a write
 *  that changes what the loop caches. */
function csrInsn(kind: number): Semantics {
  return { body: `SYNC_PC; if (h.csrOp(${kind}, d, s1, imm, n)) END_AFTER;` };
}

function branch(cond: string): Semantics {
  return { body: `if (${cond}) ${JUMP_REL} else { ${NEXT_PC} }`, flow: "jump" };
}

const A = "x[s1]";
const AH = "x[s1 + 1]";
const B = "x[s2]";
const BH = "x[s2 + 1]";
const lt = (al: string, ah: string, bl: string, bh: string): string =>
  `(${ah} < ${bh} || (${ah} === ${bh} && (${al} >>> 0) < (${bl} >>> 0)))`;
const ltu = (al: string, ah: string, bl: string, bh: string): string =>
  `((${ah} >>> 0) < (${bh} >>> 0) || (${ah} === ${bh} && (${al} >>> 0) < (${bl} >>> 0)))`;

/** 64-bit shifts by `sh` (an expression in 0..63). */
const SLL = (sh: string): string =>
  `{ const s = ${sh}; const al = x[s1], ah = x[s1 + 1]; ` +
  "if (s === 0) { x[d + 1] = ah; x[d] = al; } " +
  "else if (s < 32) { x[d + 1] = (ah << s) | (al >>> (32 - s)); x[d] = al << s; } " +
  "else { x[d + 1] = al << (s - 32); x[d] = 0; } }";
const SRL = (sh: string): string =>
  `{ const s = ${sh}; const al = x[s1], ah = x[s1 + 1]; ` +
  "if (s === 0) { x[d] = al; x[d + 1] = ah; } " +
  "else if (s < 32) { x[d] = (al >>> s) | (ah << (32 - s)); x[d + 1] = ah >>> s; } " +
  "else { x[d] = ah >>> (s - 32); x[d + 1] = 0; } }";
const SRA = (sh: string): string =>
  `{ const s = ${sh}; const al = x[s1], ah = x[s1 + 1]; ` +
  "if (s === 0) { x[d] = al; x[d + 1] = ah; } " +
  "else if (s < 32) { x[d] = (al >>> s) | (ah << (32 - s)); x[d + 1] = ah >> s; } " +
  "else { x[d] = ah >> (s - 32); x[d + 1] = ah >> 31; } }";

/** A call to an int64 helper (mul, div...) writing rd from its result. */
const helper = (fn: string): Semantics => ({
  body: `{ const l = ${fn}(x[s1], x[s1 + 1], x[s2], x[s2 + 1]); x[d + 1] = r.hi; x[d] = l; }`,
});
/** A W-form helper: the operands' low words, the result sign-extended. */
const helperW = (expr: string): Semantics => ({ body: setW(expr) });

const amo = (name: string): Semantics => ({
  body: `SYNC_PC; h.amo(${JSON.stringify(name)}, d, s1, s2);`,
});

/** Each mnemonic's semantics, for the interpreter's generator (interp.ts): made on first use
 *  (semanticsOf), since only generating an interpreter's text needs them and the `mmlab` command
 *  takes that text from its code cache (start-up: building the table and the F/D ones cost
 *  about 1-1.5 ms of CPU in every command). */
function buildSemantics(): Record<Mnemonic, Semantics> {
  return {
    lui: { body: setRd("imm", "imm >> 31") },
    auipc: {
      body:
        "const t = (pcLo + imm) | 0; " +
        setRd("t", "(pcHi + (imm >> 31) + ((t >>> 0) < (pcLo >>> 0) ? 1 : 0)) | 0"),
    },
    jal: { body: `${LINK} x[d + 1] = lh; x[d] = ll; ${JUMP_REL}`, flow: "jump" },
    jalr: {
      body: `${EA} ${LINK} x[d + 1] = lh; x[d] = ll; pcLo = lo & -2; pcHi = hi;`,
      flow: "jump",
    },
    beq: branch(`${A} === ${B} && ${AH} === ${BH}`),
    bne: branch(`${A} !== ${B} || ${AH} !== ${BH}`),
    blt: branch(lt(A, AH, B, BH)),
    bge: branch(`!${lt(A, AH, B, BH)}`),
    bltu: branch(ltu(A, AH, B, BH)),
    bgeu: branch(`!${ltu(A, AH, B, BH)}`),
    lb: load(1, true),
    lh: load(2, true),
    lw: load(4, true),
    ld: load(8, true),
    lbu: load(1, false),
    lhu: load(2, false),
    lwu: load(4, false),
    sb: store(1),
    sh: store(2),
    sw: store(4),
    sd: store(8),
    addi: {
      body:
        "const al = x[s1]; const l = (al + imm) | 0; " +
        setRd("l", `(x[s1 + 1] + (imm >> 31) + ((l >>> 0) < (al >>> 0) ? 1 : 0)) | 0`),
    },
    slti: { body: `x[d] = ${lt(A, AH, "imm", "(imm >> 31)")} ? 1 : 0; x[d + 1] = 0;` },
    sltiu: { body: `x[d] = ${ltu(A, AH, "imm", "(imm >> 31)")} ? 1 : 0; x[d + 1] = 0;` },
    xori: { body: setRd("x[s1] ^ imm", "x[s1 + 1] ^ (imm >> 31)") },
    ori: { body: setRd("x[s1] | imm", "x[s1 + 1] | (imm >> 31)") },
    andi: { body: setRd("x[s1] & imm", "x[s1 + 1] & (imm >> 31)") },
    slli: { body: SLL("imm") },
    srli: { body: SRL("imm") },
    srai: { body: SRA("imm") },
    add: {
      body:
        "const al = x[s1]; const l = (al + x[s2]) | 0; " +
        setRd("l", `(x[s1 + 1] + x[s2 + 1] + ((l >>> 0) < (al >>> 0) ? 1 : 0)) | 0`),
    },
    sub: {
      body:
        "const al = x[s1], bl = x[s2]; " +
        setRd("(al - bl) | 0", `(x[s1 + 1] - x[s2 + 1] - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0`),
    },
    sll: { body: SLL("x[s2] & 63") },
    slt: { body: `x[d] = ${lt(A, AH, B, BH)} ? 1 : 0; x[d + 1] = 0;` },
    sltu: { body: `x[d] = ${ltu(A, AH, B, BH)} ? 1 : 0; x[d + 1] = 0;` },
    xor: { body: setRd("x[s1] ^ x[s2]", "x[s1 + 1] ^ x[s2 + 1]") },
    srl: { body: SRL("x[s2] & 63") },
    sra: { body: SRA("x[s2] & 63") },
    or: { body: setRd("x[s1] | x[s2]", "x[s1 + 1] | x[s2 + 1]") },
    and: { body: setRd("x[s1] & x[s2]", "x[s1 + 1] & x[s2 + 1]") },
    addiw: { body: setW("x[s1] + imm") },
    slliw: { body: setW("x[s1] << imm") },
    srliw: { body: setW("x[s1] >>> imm") },
    sraiw: { body: setW("x[s1] >> imm") },
    addw: { body: setW("x[s1] + x[s2]") },
    subw: { body: setW("x[s1] - x[s2]") },
    sllw: { body: setW("x[s1] << (x[s2] & 31)") },
    srlw: { body: setW("x[s1] >>> (x[s2] & 31)") },
    sraw: { body: setW("x[s1] >> (x[s2] & 31)") },
    fence: { body: "" },
    ecall: { body: "SYNC_PC; h.ecallEnter(); FAULT;" },
    ebreak: { body: "SYNC_PC; h.raise(3, h.pcBig());" },
    "fence.i": { body: "h.fenceI();", flow: "end" },
    csrrw: csrInsn(CSR_KIND.csrrw),
    csrrs: csrInsn(CSR_KIND.csrrs),
    csrrc: csrInsn(CSR_KIND.csrrc),
    csrrwi: csrInsn(CSR_KIND.csrrwi),
    csrrsi: csrInsn(CSR_KIND.csrrsi),
    csrrci: csrInsn(CSR_KIND.csrrci),
    mul: helper("mul64"),
    mulh: helper("mulh64"),
    mulhsu: helper("mulhsu64"),
    mulhu: helper("mulhu64"),
    div: helper("div64"),
    divu: helper("divu64"),
    rem: helper("rem64"),
    remu: helper("remu64"),
    mulw: helperW("Math.imul(x[s1], x[s2])"),
    divw: helperW("div32(x[s1], x[s2])"),
    divuw: helperW("divu32(x[s1], x[s2])"),
    remw: helperW("rem32(x[s1], x[s2])"),
    remuw: helperW("remu32(x[s1], x[s2])"),
    "lr.w": amo("lr.w"),
    "sc.w": amo("sc.w"),
    "amoswap.w": amo("amoswap.w"),
    "amoadd.w": amo("amoadd.w"),
    "amoxor.w": amo("amoxor.w"),
    "amoand.w": amo("amoand.w"),
    "amoor.w": amo("amoor.w"),
    "amomin.w": amo("amomin.w"),
    "amomax.w": amo("amomax.w"),
    "amominu.w": amo("amominu.w"),
    "amomaxu.w": amo("amomaxu.w"),
    "lr.d": amo("lr.d"),
    "sc.d": amo("sc.d"),
    "amoswap.d": amo("amoswap.d"),
    "amoadd.d": amo("amoadd.d"),
    "amoxor.d": amo("amoxor.d"),
    "amoand.d": amo("amoand.d"),
    "amoor.d": amo("amoor.d"),
    "amomin.d": amo("amomin.d"),
    "amomax.d": amo("amomax.d"),
    "amominu.d": amo("amominu.d"),
    "amomaxu.d": amo("amomaxu.d"),
    mret: { body: "SYNC_PC; h.mret(); pcLo = h.pcLo; pcHi = h.pcHi; END_NOW;", flow: "jump" },
    sret: { body: "SYNC_PC; h.sret(); pcLo = h.pcLo; pcHi = h.pcHi; END_NOW;", flow: "jump" },
    wfi: { body: "SYNC_PC; h.wfi();", flow: "end" },
    "sfence.vma": { body: "SYNC_PC; h.sfenceVma(s1, s2);", flow: "end" },
    ...fpSemantics(EA),
  };
}

let semantics: Record<Mnemonic, Semantics> | null = null;

/** The semantics of `name` (buildSemantics, made once). */
export function semanticsOf(name: Mnemonic): Semantics {
  semantics ??= buildSemantics();
  return semantics[name];
}
