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
