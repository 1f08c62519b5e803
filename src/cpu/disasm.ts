// Disassembly in the assembler's syntax: ABI register names, decimal immediates, CSR names.
// Compressed words print as their RVC mnemonic followed by the expansion's operands.

import { ABI_NAMES, FABI_NAMES, ROUNDING_MODES } from "../asm/isa/index.js";
import { csrName } from "./csr.js";
import { type Decoded, decode } from "./decode.js";
import { insnInfo } from "./isa.js";

/** The name of register `i` in `names`; a number outside 0..31 is the caller's bug. */
function nameOf(names: readonly string[], i: number, file: string): string {
  const n = names[i];
  if (n === undefined) throw new RangeError(`no register ${file}${i}`);
  return n;
}

/** The ABI name of integer register `i`. */
export const regName = (i: number): string => nameOf(ABI_NAMES, i, "x");

/** The ABI name of f register `i`. */
export const fregName = (i: number): string => nameOf(FABI_NAMES, i, "f");

/** Rounding-mode operand names by rm value; the dynamic mode (7) is not printed. */
const RM_NAMES = new Map(Object.entries(ROUNDING_MODES).map(([name, rm]) => [rm as number, name]));
const rmSuffix = (rm: number): string => (rm === 7 ? "" : `, ${RM_NAMES.get(rm) ?? rm}`);

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
