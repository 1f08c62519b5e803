// Instruction syntax shared by the text assembler and the builder: the operand patterns of every
// mnemonic (real and pseudo), binding operands to instruction fields, and turning a bound statement
// into the instruction records the encoder takes.

import {
  type Form,
  fixedFields,
  formOf,
  type INSNS,
  type Insn,
  type InsnField,
  isRealMnemonic,
  makeInsn,
  type RealMnemonic,
} from "./encoding.js";
import { fail, type Loc } from "./errors.js";
import { type Expr, evaluate, num, type Scope } from "./expr.js";
import { csrNumber, ROUNDING_MODES, type RoundingMode } from "./isa/index.js";
import { liSequence } from "./li.js";

/**
 * What one operand position holds: a register field (`rdrs1` sets both rd and rs1; `tmp` is a
 * scratch register of a pseudo-instruction; `sp` must be sp), an f register field (`frd`...), an
 * immediate, a branch/jump target, a symbol address, a memory operand `offset(rs1)` (`spmem`:
 * base must be sp; `amem`: `(rs1)` with no offset), a CSR, a fence set (pred/succ), or a rounding
 * mode (`rm`: rne, rtz, rdn, rup, rmm or dyn).
 */
export type Kind =
  | "rd"
  | "rs1"
  | "rs2"
  | "rdrs1"
  | "tmp"
  | "sp"
  | "imm"
  | "target"
  | "sym"
  | "mem"
  | "spmem"
  | "amem"
  | "csr"
  | "pred"
  | "succ"
  | "frd"
  | "frs1"
  | "frs2"
  | "frs3"
  | "rm";

/** A parsed operand: a register, an f register, an expression, or a memory operand `offset(base)`. */
export type Operand =
  | { readonly shape: "reg"; readonly reg: number; readonly text: string; readonly loc: Loc }
  | { readonly shape: "freg"; readonly reg: number; readonly text: string; readonly loc: Loc }
  | { readonly shape: "expr"; readonly expr: Expr; readonly loc: Loc }
  | {
      readonly shape: "mem";
      readonly offset: Expr | undefined;
      readonly base: number;
      readonly loc: Loc;
      readonly baseLoc: Loc;
    };

type Patterns = readonly (readonly Kind[])[];

/** Operand patterns of each form; alternatives are tried in order (see realEmit for their meaning). */
export const FORM_PATTERNS = {
  R: [["rd", "rs1", "rs2"]],
  I: [["rd", "rs1", "imm"]],
  SH6: [["rd", "rs1", "imm"]],
  SH5: [["rd", "rs1", "imm"]],
  L: [
    ["rd", "mem"],
    ["rd", "sym"],
  ],
  S: [
    ["rs2", "mem"],
    ["rs2", "sym", "tmp"],
  ],
  B: [["rs1", "rs2", "target"]],
  U: [["rd", "imm"]],
  J: [["rd", "target"], ["target"]],
  JALR: [["rd", "mem"], ["rs1"], ["rd", "rs1", "imm"], ["rd", "rs1"]],
  CSR: [
    ["rd", "csr", "rs1"],
    ["rd", "csr", "imm"],
  ],
  CSRI: [["rd", "csr", "imm"]],
  FENCE: [["pred", "succ"], []],
  NONE: [[]],
  LR: [["rd", "amem"]],
  AMO: [["rd", "rs2", "amem"]],
  SFENCE: [["rs1", "rs2"], ["rs1"], []],
  "C.RR": [["rdrs1", "rs2"]],
  "C.RI": [["rdrs1", "imm"]],
  "C.LI": [["rd", "imm"]],
  "C.MV": [["rd", "rs2"]],
  "C.JR": [["rs1"]],
  "C.L": [["rd", "mem"]],
  "C.S": [["rs2", "mem"]],
  "C.LSP": [["rd", "spmem"]],
  "C.SSP": [["rs2", "spmem"]],
  "C.4SPN": [["rd", "sp", "imm"]],
  "C.16SP": [["sp", "imm"]],
  "C.J": [["target"]],
  "C.B": [["rs1", "target"]],
  "C.NONE": [[]],
  FL: [
    ["frd", "mem"],
    ["frd", "sym", "tmp"],
  ],
  FS: [
    ["frs2", "mem"],
    ["frs2", "sym", "tmp"],
  ],
  FR: [
    ["frd", "frs1", "frs2"],
    ["frd", "frs1", "frs2", "rm"],
  ],
  FRN: [["frd", "frs1", "frs2"]],
  FR4: [
    ["frd", "frs1", "frs2", "frs3"],
    ["frd", "frs1", "frs2", "frs3", "rm"],
  ],
  F1: [
    ["frd", "frs1"],
    ["frd", "frs1", "rm"],
  ],
  FCMP: [["rd", "frs1", "frs2"]],
  FX: [
    ["rd", "frs1"],
    ["rd", "frs1", "rm"],
  ],
  FXN: [["rd", "frs1"]],
  XF: [
    ["frd", "rs1"],
    ["frd", "rs1", "rm"],
  ],
  XFN: [["frd", "rs1"]],
  "C.FL": [["frd", "mem"]],
  "C.FS": [["frs2", "mem"]],
  "C.FLSP": [["frd", "spmem"]],
  "C.FSSP": [["frs2", "spmem"]],
} as const satisfies Record<Form, Patterns>;

/** Operand patterns of the pseudo-instructions (their expansions are in PSEUDO_EMIT). */
export const PSEUDOS = {
  nop: [[]],
  mv: [["rd", "rs1"]],
  not: [["rd", "rs1"]],
  neg: [["rd", "rs2"]],
  negw: [["rd", "rs2"]],
  "sext.w": [["rd", "rs1"]],
  "zext.b": [["rd", "rs1"]],
  seqz: [["rd", "rs1"]],
  snez: [["rd", "rs2"]],
  sltz: [["rd", "rs1"]],
  sgtz: [["rd", "rs2"]],
  beqz: [["rs1", "target"]],
  bnez: [["rs1", "target"]],
  blez: [["rs2", "target"]],
  bgez: [["rs1", "target"]],
  bltz: [["rs1", "target"]],
  bgtz: [["rs2", "target"]],
  bgt: [["rs1", "rs2", "target"]],
  ble: [["rs1", "rs2", "target"]],
  bgtu: [["rs1", "rs2", "target"]],
  bleu: [["rs1", "rs2", "target"]],
  j: [["target"]],
  jr: [["rs1"]],
  ret: [[]],
  call: [["sym"], ["tmp", "sym"]],
  tail: [["sym"]],
  li: [["rd", "imm"]],
  la: [["rd", "sym"]],
  lla: [["rd", "sym"]],
  csrr: [["rd", "csr"]],
  csrw: [
    ["csr", "rs1"],
    ["csr", "imm"],
  ],
  csrs: [
    ["csr", "rs1"],
    ["csr", "imm"],
  ],
  csrc: [
    ["csr", "rs1"],
    ["csr", "imm"],
  ],
  csrwi: [["csr", "imm"]],
  csrsi: [["csr", "imm"]],
  csrci: [["csr", "imm"]],
  rdcycle: [["rd"]],
  rdtime: [["rd"]],
  rdinstret: [["rd"]],
  unimp: [[]],
  "fmv.s": [["frd", "frs1"]],
  "fmv.d": [["frd", "frs1"]],
  "fabs.s": [["frd", "frs1"]],
  "fabs.d": [["frd", "frs1"]],
  "fneg.s": [["frd", "frs1"]],
  "fneg.d": [["frd", "frs1"]],
  frcsr: [["rd"]],
  fscsr: [["rd", "rs1"], ["rs1"]],
  frrm: [["rd"]],
  fsrm: [["rd", "rs1"], ["rs1"]],
  frflags: [["rd"]],
  fsflags: [["rd", "rs1"], ["rs1"]],
  fsrmi: [["rd", "imm"], ["imm"]],
  fsflagsi: [["rd", "imm"], ["imm"]],
} as const satisfies Record<string, Patterns>;

export type PseudoMnemonic = keyof typeof PSEUDOS;
/** Memory-ordering suffixes of LR/SC/AMO mnemonics. */
export type OrderSuffix = "aq" | "rl" | "aqrl";
type AtomicMnemonic = {
  [K in RealMnemonic]: (typeof INSNS)[K][0] extends "AMO" | "LR" ? K : never;
}[RealMnemonic];
/** Every mnemonic the assembler knows. */
export type Mnemonic = RealMnemonic | PseudoMnemonic | `${AtomicMnemonic}.${OrderSuffix}`;
/** The operand patterns of mnemonic M, as a union of kind tuples. */
export type PatternsOf<M extends Mnemonic> = M extends RealMnemonic
  ? (typeof FORM_PATTERNS)[(typeof INSNS)[M][0]][number]
  : M extends PseudoMnemonic
    ? (typeof PSEUDOS)[M][number]
    : M extends `lr.${string}`
      ? (typeof FORM_PATTERNS)["LR"][number]
      : (typeof FORM_PATTERNS)["AMO"][number];

/** Where each instruction field's operand was written. */
export type FieldLocs = Partial<Record<InsnField | "tmp", Loc>>;

/** Operand values bound to their roles by a pattern. */
export interface Bound {
  rd: number;
  rs1: number;
  rs2: number;
  rs3: number;
  tmp: number;
  imm?: Expr;
  target?: Expr;
  sym?: Expr;
  csr?: Expr;
  pred: number;
  succ: number;
  aq: boolean;
  rl: boolean;
  readonly locs: FieldLocs;
}

/** What a statement stands for: one instruction, an `li` sequence, or an auipc pair. */
export type Emit =
  | { readonly k: "insn"; readonly name: string; readonly b: Bound }
  | { readonly k: "li"; readonly rd: number; readonly value: Expr; readonly locs: FieldLocs }
  | {
      readonly k: "pcrel";
      readonly hiReg: number;
      readonly target: Expr;
      /** The instruction after the auipc; its imm is filled with the low 12 bits of the offset. */
      readonly second: Insn;
      readonly locs: FieldLocs;
    };

/** A mnemonic's patterns and how a bound statement becomes an Emit. */
export interface MnemonicInfo {
  readonly name: string;
  readonly patterns: Patterns;
  emit(idx: number, b: Bound): Emit;
}

/** What mnemonic `name` (maybe with an .aq/.rl/.aqrl suffix) is, or undefined if unknown. */
export function lookupMnemonic(name: string): MnemonicInfo | undefined {
  let info = INFO_CACHE.get(name);
  if (!info && !INFO_CACHE.has(name)) {
    info = findMnemonic(name);
    INFO_CACHE.set(name, info);
  }
  return info;
}

const INFO_CACHE = new Map<string, MnemonicInfo | undefined>();

function findMnemonic(name: string): MnemonicInfo | undefined {
  if (isRealMnemonic(name)) {
    const form = formOf(name);
    return { name, patterns: FORM_PATTERNS[form], emit: (idx, b) => realEmit(name, form, idx, b) };
  }
  if (name in PSEUDOS) {
    const p = name as PseudoMnemonic;
    return { name, patterns: PSEUDOS[p], emit: (idx, b) => PSEUDO_EMIT[p](b, idx) };
  }
  const m = /^(.*)\.(aq|rl|aqrl)$/.exec(name);
  const base = m && isRealMnemonic(m[1]!) ? m[1]! : undefined;
  if (!base || !isRealMnemonic(base) || (formOf(base) !== "AMO" && formOf(base) !== "LR")) return undefined;
  const [aq, rl] = [m![2] !== "rl", m![2] !== "aq"];
  return {
    name,
    patterns: FORM_PATTERNS[formOf(base)],
    emit: (_idx, b) => ({ k: "insn", name: base, b: { ...b, aq, rl } }),
  };
}

/** Emit of a real mnemonic for pattern `idx` of its form (the alternatives of FORM_PATTERNS). */
function realEmit(name: RealMnemonic, form: Form, idx: number, b: Bound): Emit {
  switch (`${form}/${idx}`) {
    case "L/1": // ld rd, symbol
      return pcrel(b.rd, b.sym!, makeInsn(name, { rd: b.rd, rs1: b.rd }), b.locs);
    case "S/1": // sd rs2, symbol, rt
      return pcrel(b.tmp, b.sym!, makeInsn(name, { rs1: b.tmp, rs2: b.rs2 }), b.locs);
    case "J/1": // jal target
    case "JALR/1": // jalr rs
      return { k: "insn", name, b: { ...b, rd: 1 } };
    case "CSR/1": // csrrw rd, csr, uimm
      return { k: "insn", name: `${name}i`, b };
    case "FENCE/1": // fence
      return { k: "insn", name, b: { ...b, pred: 15, succ: 15 } };
    case "FL/1": // flw frd, symbol, rt
      return pcrel(b.tmp, b.sym!, makeInsn(name, { rd: b.rd, rs1: b.tmp }), b.locs);
    case "FS/1": // fsw frs2, symbol, rt
      return pcrel(b.tmp, b.sym!, makeInsn(name, { rs1: b.tmp, rs2: b.rs2 }), b.locs);
    case "FR/0": // no rounding mode written: dyn, or rne for the conversions that are exact
    case "FR4/0":
    case "F1/0":
    case "FX/0":
    case "XF/0":
      return { k: "insn", name, b: { ...b, imm: num(EXACT_CONVERSIONS.has(name) ? 0 : 7) } };
    default:
      return { k: "insn", name, b };
  }
}

/** Conversions that never round; GNU as encodes them with rm = rne unless told otherwise. */
const EXACT_CONVERSIONS = new Set(["fcvt.d.w", "fcvt.d.wu", "fcvt.d.s"]);

function pcrel(hiReg: number, target: Expr, second: Insn, locs: FieldLocs): Emit {
  return { k: "pcrel", hiReg, target, second, locs };
}

const as = (name: string, b: Bound, fields: Partial<Bound> = {}): Emit => ({
  k: "insn",
  name,
  b: { ...b, ...fields },
});
const swapped = (name: string, b: Bound): Emit =>
  as(name, b, { rs1: b.rs2, rs2: b.rs1, locs: { ...b.locs, rs1: b.locs.rs2, rs2: b.locs.rs1 } });
const csrOp = (name: string) => (b: Bound, idx: number) => as(idx === 0 ? name : `${name}i`, b);
const counter = (csr: number) => (b: Bound) => as("csrrs", b, { csr: num(csr) });

/** The expansion of each pseudo-instruction, from its bound operands and pattern index. */
const PSEUDO_EMIT: Record<PseudoMnemonic, (b: Bound, idx: number) => Emit> = {
  nop: (b) => as("addi", b),
  mv: (b) => as("addi", b),
  not: (b) => as("xori", b, { imm: num(-1) }),
  neg: (b) => as("sub", b),
  negw: (b) => as("subw", b),
  "sext.w": (b) => as("addiw", b),
  "zext.b": (b) => as("andi", b, { imm: num(255) }),
  seqz: (b) => as("sltiu", b, { imm: num(1) }),
  snez: (b) => as("sltu", b),
  sltz: (b) => as("slt", b),
  sgtz: (b) => as("slt", b),
  beqz: (b) => as("beq", b),
  bnez: (b) => as("bne", b),
  blez: (b) => as("bge", b),
  bgez: (b) => as("bge", b),
  bltz: (b) => as("blt", b),
  bgtz: (b) => as("blt", b),
  bgt: (b) => swapped("blt", b),
  ble: (b) => swapped("bge", b),
  bgtu: (b) => swapped("bltu", b),
  bleu: (b) => swapped("bgeu", b),
  j: (b) => as("jal", b),
  jr: (b) => as("jalr", b),
  ret: (b) => as("jalr", b, { rs1: 1 }),
  call: (b, idx) => {
    const r = idx === 0 ? 1 : b.tmp;
    return pcrel(r, b.sym!, makeInsn("jalr", { rd: r, rs1: r }), b.locs);
  },
  tail: (b) => pcrel(6, b.sym!, makeInsn("jalr", { rs1: 6 }), b.locs),
  li: (b) => {
    // A literal, or a negated one, as written: the assembler's arithmetic is 64-bit, so only
    // here can a wider number be seen before it is cut.
    const e = b.imm;
    const v = e?.k === "num" ? e.v : e?.k === "un" && e.op === "-" && e.a.k === "num" ? -e.a.v : 0n;
    if (b.locs.imm && !fitsXlen(v)) fail(b.locs.imm, `li: ${hexSigned(v)} does not fit in 64 bits`);
    return { k: "li", rd: b.rd, value: b.imm!, locs: b.locs };
  },
  la: (b) => pcrel(b.rd, b.sym!, makeInsn("addi", { rd: b.rd, rs1: b.rd }), b.locs),
  lla: (b) => pcrel(b.rd, b.sym!, makeInsn("addi", { rd: b.rd, rs1: b.rd }), b.locs),
  csrr: (b) => as("csrrs", b),
  csrw: csrOp("csrrw"),
  csrs: csrOp("csrrs"),
  csrc: csrOp("csrrc"),
  csrwi: (b) => as("csrrwi", b),
  csrsi: (b) => as("csrrsi", b),
  csrci: (b) => as("csrrci", b),
  rdcycle: counter(0xc00),
  rdtime: counter(0xc01),
  rdinstret: counter(0xc02),
  unimp: (b) => as("csrrw", b, { csr: num(0xc00) }),
  "fmv.s": (b) => as("fsgnj.s", b, { rs2: b.rs1 }),
  "fmv.d": (b) => as("fsgnj.d", b, { rs2: b.rs1 }),
  "fabs.s": (b) => as("fsgnjx.s", b, { rs2: b.rs1 }),
  "fabs.d": (b) => as("fsgnjx.d", b, { rs2: b.rs1 }),
  "fneg.s": (b) => as("fsgnjn.s", b, { rs2: b.rs1 }),
  "fneg.d": (b) => as("fsgnjn.d", b, { rs2: b.rs1 }),
  frcsr: counter(0x003),
  fscsr: (b) => as("csrrw", b, { csr: num(0x003) }),
  frrm: counter(0x002),
  fsrm: (b) => as("csrrw", b, { csr: num(0x002) }),
  frflags: counter(0x001),
  fsflags: (b) => as("csrrw", b, { csr: num(0x001) }),
  fsrmi: (b) => as("csrrwi", b, { csr: num(0x002) }),
  fsflagsi: (b) => as("csrrwi", b, { csr: num(0x001) }),
};

/** A pattern that did not fit: the operand index where it failed and why. */
interface BindFailure {
  readonly at: number;
  readonly loc: Loc;
  readonly message: string;
}

/** Does `v` fit a 64-bit register, as a signed or an unsigned value? */
const fitsXlen = (v: bigint): boolean => v >= -(1n << 63n) && v < 1n << 64n;
const hexSigned = (v: bigint): string => `${v < 0n ? "-" : ""}0x${(v < 0n ? -v : v).toString(16)}`;

/**
 * Binds `ops` to the first of `info`'s patterns they fit; throws a LocatedError naming the
 * operand that fits no pattern (or the statement at `loc` if the operand count is wrong).
 */
export function bindOperands(
  info: MnemonicInfo,
  ops: readonly Operand[],
  loc: Loc,
): { idx: number; b: Bound } {
  let best: BindFailure | undefined;
  for (let idx = 0; idx < info.patterns.length; idx++) {
    const kinds = info.patterns[idx]!;
    if (kinds.length !== ops.length) continue;
    const r = bindPattern(kinds, ops);
    if (!("message" in r)) return { idx, b: r };
    if (!best || r.at > best.at) best = r;
  }
  if (best) fail(best.loc, best.message);
  const forms = info.patterns.map(
    (k) => `'${[info.name, k.map((x) => KIND_NAMES[x]).join(", ")].join(" ")}'`,
  );
  return fail(loc, `wrong number of operands for '${info.name}': expected ${forms.join(" or ")}`);
}

const KIND_NAMES: Record<Kind, string> = {
  rd: "rd",
  rs1: "rs1",
  rs2: "rs2",
  rdrs1: "rd",
  tmp: "rt",
  sp: "sp",
  imm: "imm",
  target: "label",
  sym: "symbol",
  mem: "offset(rs1)",
  spmem: "offset(sp)",
  amem: "(rs1)",
  csr: "csr",
  pred: "pred",
  succ: "succ",
  frd: "frd",
  frs1: "frs1",
  frs2: "frs2",
  frs3: "frs3",
  rm: "rm",
};

/** The operands bound to `kinds`, or why they do not fit. */
export function bindPattern(kinds: readonly Kind[], ops: readonly Operand[]): Bound | BindFailure {
  const b: Bound = {
    rd: 0,
    rs1: 0,
    rs2: 0,
    rs3: 0,
    tmp: 0,
    pred: 0,
    succ: 0,
    aq: false,
    rl: false,
    locs: {},
  };
  for (let i = 0; i < kinds.length; i++) {
    const op = ops[i]!;
    const problem = bindOne(kinds[i]!, op, b);
    if (problem) return { at: i, loc: problem.loc ?? op.loc, message: problem.message };
  }
  return b;
}

type Problem = { readonly message: string; readonly loc?: Loc } | undefined;

/** Binds one operand into `b`, or says why it does not fit `kind`. */
function bindOne(kind: Kind, op: Operand, b: Bound): Problem {
  switch (kind) {
    case "rd":
    case "rs1":
    case "rs2":
    case "tmp":
    case "rdrs1":
    case "sp":
      return bindReg(kind, op, b);
    case "mem":
    case "spmem":
    case "amem":
      return bindMem(kind, op, b);
    case "frd":
    case "frs1":
    case "frs2":
    case "frs3":
      return bindFreg(kind, op, b);
    case "rm":
      return bindRm(op, b);
    default:
      return bindExpr(kind, op, b);
  }
}

function bindReg(kind: "rd" | "rs1" | "rs2" | "tmp" | "rdrs1" | "sp", op: Operand, b: Bound): Problem {
  if (op.shape === "freg") return { message: `expected an integer register, not '${op.text}'` };
  if (op.shape !== "reg") {
    const e = op.shape === "expr" ? op.expr : undefined;
    if (e?.k === "sym") return { message: `unknown register '${e.shown}'` };
    return {
      message: op.shape === "mem" ? "expected a register, not a memory operand" : "expected a register",
    };
  }
  if (kind === "sp") return op.reg === 2 ? undefined : { message: `expected 'sp', got '${op.text}'` };
  const fields = kind === "rdrs1" ? (["rd", "rs1"] as const) : ([kind] as const);
  for (const f of fields) {
    b[f] = op.reg;
    b.locs[f] = op.loc;
  }
  return undefined;
}

/** An f register operand into its field. */
function bindFreg(kind: "frd" | "frs1" | "frs2" | "frs3", op: Operand, b: Bound): Problem {
  if (op.shape === "reg") return { message: `expected an f register, not '${op.text}'` };
  if (op.shape !== "freg") {
    const e = op.shape === "expr" ? op.expr : undefined;
    if (e?.k === "sym") return { message: `unknown f register '${e.shown}'` };
    return { message: "expected an f register" };
  }
  const f = kind.slice(1) as "rd" | "rs1" | "rs2" | "rs3";
  b[f] = op.reg;
  b.locs[f] = op.loc;
  return undefined;
}

/** A rounding-mode operand (rne, rtz, rdn, rup, rmm, dyn) into the rm field (the imm). */
function bindRm(op: Operand, b: Bound): Problem {
  const e = op.shape === "expr" ? op.expr : undefined;
  const rm =
    e?.k === "sym" && Object.hasOwn(ROUNDING_MODES, e.name)
      ? ROUNDING_MODES[e.name as RoundingMode]
      : undefined;
  if (rm === undefined) return { message: "expected a rounding mode: rne, rtz, rdn, rup, rmm or dyn" };
  b.imm = num(rm);
  b.locs.imm = op.loc;
  return undefined;
}

function bindMem(kind: "mem" | "spmem" | "amem", op: Operand, b: Bound): Problem {
  if (op.shape !== "mem") {
    return { message: kind === "amem" ? "expected '(reg)'" : "expected a memory operand like 'offset(reg)'" };
  }
  if (kind === "spmem" && op.base !== 2) return { message: "expected 'offset(sp)'", loc: op.baseLoc };
  if (kind === "amem" && op.offset && !(op.offset.k === "num" && op.offset.v === 0n)) {
    return { message: "expected '(reg)' with no offset" };
  }
  b.rs1 = op.base;
  b.locs.rs1 = op.baseLoc;
  if (kind !== "amem") {
    b.imm = op.offset ?? num(0);
    b.locs.imm = op.loc;
  }
  return undefined;
}

const EXPECTED: Record<string, string> = {
  imm: "an immediate",
  target: "a label or address",
  sym: "a symbol",
  csr: "a CSR name or number",
  pred: "a fence set like 'iorw'",
  succ: "a fence set like 'iorw'",
};

function bindExpr(kind: Kind, op: Operand, b: Bound): Problem {
  if (op.shape === "reg" || op.shape === "freg")
    return { message: `expected ${EXPECTED[kind]}, not register '${op.text}'` };
  if (op.shape === "mem") return { message: `expected ${EXPECTED[kind]}, not a memory operand` };
  const e = op.expr;
  if (e.k === "sym" && /^x\d+$/.test(e.shown) && kind !== "csr")
    return { message: `unknown register '${e.shown}'` };
  switch (kind) {
    case "pred":
    case "succ": {
      const set = fenceSet(e);
      if (set === undefined) return { message: "bad fence set: expected letters from 'iorw', in that order" };
      b[kind] = set;
      b.locs[kind] = op.loc;
      return undefined;
    }
    case "csr": {
      const n = e.k === "sym" ? csrNumber(e.name) : undefined;
      b.csr = n === undefined ? e : num(n);
      b.locs.csr = op.loc;
      return undefined;
    }
    default:
      b[kind as "imm" | "target" | "sym"] = e;
      b.locs.imm = op.loc;
      return undefined;
  }
}

/** The bits of a fence set (i=8, o=4, r=2, w=1) written as letters or a number, or undefined. */
function fenceSet(e: Expr): number | undefined {
  if (e.k === "num") return e.v >= 0n && e.v <= 15n ? Number(e.v) : undefined;
  if (e.k !== "sym" || !/^i?o?r?w?$/.test(e.shown) || e.shown === "") return undefined;
  return [..."iorw"].reduce((acc, c, i) => acc | (e.shown.includes(c) ? 8 >> i : 0), 0);
}

/** One instruction of a plan: the record, whether `.option rvc` may compress it, and operand places. */
export interface Planned {
  readonly insn: Insn;
  readonly compressible: boolean;
  readonly locs: FieldLocs;
}

/**
 * The instruction records `emit` stands for at address `scope.pc`. In a strict scope, throws a
 * LocatedError for undefined symbols and unreachable pc-relative targets.
 */
export function plan(emit: Emit, scope: Scope): Planned[] {
  switch (emit.k) {
    case "insn":
      return [planInsn(emit.name, emit.b, scope)];
    case "li": {
      const v = evaluate(emit.value, scope).v;
      // A 64-bit register takes a signed or an unsigned 64-bit value; wider would be cut.
      return liSequence(emit.rd, v).map((insn) => ({ insn, compressible: true, locs: emit.locs }));
    }
    case "pcrel":
      return planPcrel(emit, scope);
  }
}

function planInsn(name: string, b: Bound, scope: Scope): Planned {
  let imm = 0;
  let compressible = true;
  if (b.imm) {
    const v = evaluate(b.imm, scope);
    imm = Number(v.v);
    compressible = !v.reloc;
  }
  if (b.target) imm = Number(BigInt.asIntN(64, evaluate(b.target, scope).v - scope.pc));
  const csr = b.csr ? csrValue(b.csr, scope) : 0;
  const fixed = fixedFields(name);
  const insn = makeInsn(name, {
    rd: fixed.rd ?? b.rd,
    rs1: fixed.rs1 ?? b.rs1,
    rs2: fixed.rs2 ?? b.rs2,
    rs3: b.rs3,
    imm,
    csr,
    aq: b.aq,
    rl: b.rl,
    pred: b.pred,
    succ: b.succ,
  });
  return { insn, compressible, locs: b.locs };
}

/** A CSR operand's number; an unknown bare name is reported as an unknown CSR. */
function csrValue(e: Expr, scope: Scope): number {
  if (e.k === "sym" && scope.strict && !scope.symbol(e.name, e.loc)) fail(e.loc, `unknown CSR '${e.shown}'`);
  return Number(evaluate(e, scope).v);
}

/** auipc hiReg, %pcrel_hi(target) and the second instruction with %pcrel_lo of the same offset. */
function planPcrel(emit: Emit & { k: "pcrel" }, scope: Scope): Planned[] {
  const d = BigInt.asIntN(64, evaluate(emit.target, scope).v - scope.pc);
  if (scope.strict && (d + 0x800n < -(1n << 31n) || d + 0x800n >= 1n << 31n)) {
    fail(emit.locs.imm!, `symbol out of reach of auipc (offset ${d} from pc)`);
  }
  const hi = Number(((d + 0x800n) >> 12n) & 0xfffffn);
  const lo = Number(BigInt.asIntN(12, d));
  return [
    { insn: makeInsn("auipc", { rd: emit.hiReg, imm: hi }), compressible: false, locs: emit.locs },
    { insn: { ...emit.second, imm: lo }, compressible: false, locs: emit.locs },
  ];
}
