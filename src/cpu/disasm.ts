// Disassembly in the assembler's syntax: ABI register names, decimal immediates, CSR names.
// Compressed words print as their RVC mnemonic followed by the expansion's operands.

import { csrName } from "./csr.js";
import { type Decoded, decode } from "./decode.js";
import { insnInfo } from "./isa.js";

const ABI = [
  "zero",
  "ra",
  "sp",
  "gp",
  "tp",
  "t0",
  "t1",
  "t2",
  "s0",
  "s1",
  "a0",
  "a1",
  "a2",
  "a3",
  "a4",
  "a5",
  "a6",
  "a7",
  "s2",
  "s3",
  "s4",
  "s5",
  "s6",
  "s7",
  "s8",
  "s9",
  "s10",
  "s11",
  "t3",
  "t4",
  "t5",
  "t6",
];

/** The ABI name of integer register `i`. */
export function regName(i: number): string {
  const n = ABI[i];
  if (n === undefined) throw new RangeError(`regName: no register x${i}`);
  return n;
}

const FABI = [
  ...["ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1"],
  ...["fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7"],
  ...["fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11"],
  ...["ft8", "ft9", "ft10", "ft11"],
];

/** The ABI name of f register `i`. */
export function fregName(i: number): string {
  const n = FABI[i];
  if (n === undefined) throw new RangeError(`fregName: no register f${i}`);
  return n;
}

/** Rounding-mode operand names; the dynamic mode (7) is not printed. */
export const RM_NAMES = ["rne", "rtz", "rdn", "rup", "rmm"] as const;
const rmSuffix = (rm: number): string => (rm === 7 ? "" : `, ${RM_NAMES[rm] ?? rm}`);

function fenceSet(bits: number): string {
  const s = ["i", "o", "r", "w"].filter((_, k) => (bits >> (3 - k)) & 1).join("");
  return s || "0";
}

/** Operands of a decoded instruction, per its format. */
function operands(d: Decoded): string {
  const rd = regName(d.rd);
  const rs1 = regName(d.rs1);
  const rs2 = regName(d.rs2);
  switch (insnInfo(d.op).format) {
    case "R":
      return `${rd}, ${rs1}, ${rs2}`;
    case "I":
    case "SH":
      return `${rd}, ${rs1}, ${d.imm}`;
    case "L":
    case "JR":
      return `${rd}, ${d.imm}(${rs1})`;
    case "S":
      return `${rs2}, ${d.imm}(${rs1})`;
    case "B":
      return `${rs1}, ${rs2}, ${d.imm}`;
    case "U":
      return `${rd}, 0x${(d.imm >>> 12).toString(16)}`;
    case "J":
      return `${rd}, ${d.imm}`;
    case "CSR":
      return `${rd}, ${csrName(d.csr)}, ${rs1}`;
    case "CSRI":
      return `${rd}, ${csrName(d.csr)}, ${d.imm}`;
    case "FENCE":
      return `${fenceSet(d.pred)}, ${fenceSet(d.succ)}`;
    case "LR":
      return `${rd}, (${rs1})`;
    case "AMO":
      return `${rd}, ${rs2}, (${rs1})`;
    case "SFENCE":
      return `${rs1}, ${rs2}`;
    case "NONE":
      return "";
    default:
      return fpOperands(d);
  }
}

/** Operands of the F and D formats. */
function fpOperands(d: Decoded): string {
  const f = fregName;
  switch (insnInfo(d.op).format) {
    case "FL":
      return `${f(d.rd)}, ${d.imm}(${regName(d.rs1)})`;
    case "FS":
      return `${f(d.rs2)}, ${d.imm}(${regName(d.rs1)})`;
    case "FR":
      return `${f(d.rd)}, ${f(d.rs1)}, ${f(d.rs2)}${rmSuffix(d.imm)}`;
    case "FRN":
      return `${f(d.rd)}, ${f(d.rs1)}, ${f(d.rs2)}`;
    case "FR4":
      return `${f(d.rd)}, ${f(d.rs1)}, ${f(d.rs2)}, ${f(d.rs3)}${rmSuffix(d.imm)}`;
    case "F1":
      return `${f(d.rd)}, ${f(d.rs1)}${rmSuffix(d.imm)}`;
    case "FCMP":
      return `${regName(d.rd)}, ${f(d.rs1)}, ${f(d.rs2)}`;
    case "FX":
      return `${regName(d.rd)}, ${f(d.rs1)}${rmSuffix(d.imm)}`;
    case "FXN":
      return `${regName(d.rd)}, ${f(d.rs1)}`;
    case "XF":
      return `${f(d.rd)}, ${regName(d.rs1)}${rmSuffix(d.imm)}`;
    default:
      return `${f(d.rd)}, ${regName(d.rs1)}`;
  }
}

/** Disassemble a decoded instruction. */
export function formatInsn(d: Decoded): string {
  if (d.name === "illegal") return `illegal 0x${d.bits.toString(16).padStart(d.len * 2, "0")}`;
  const fmt = insnInfo(d.op).format;
  const suffix =
    fmt === "AMO" || fmt === "LR" ? (d.aq && d.rl ? ".aqrl" : d.aq ? ".aq" : d.rl ? ".rl" : "") : "";
  const mnemonic = (d.cname ?? d.name) + suffix;
  const ops = operands(d);
  return ops ? `${mnemonic} ${ops}` : mnemonic;
}

/** Disassemble an instruction word (16 or 32 bits). */
export function disasm(word: number): string {
  return formatInsn(decode(word));
}
