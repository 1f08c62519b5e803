// Automatic compression (`.option rvc`): picks the RVC form of an ordinary instruction when one
// exists, as GNU as does for -march=rv64imac. Which forms exist and what they accept comes from
// the encoding table; this file only knows which spellings of an instruction are equivalent.

import { canEncode, compressedFormsOf, type Insn, makeInsn } from "./encoding.js";

const COMMUTATIVE = new Set(["add", "and", "or", "xor", "addw"]);

/** `insn` and equivalent records that a compressed form might accept. */
function spellings(insn: Insn): Insn[] {
  const out = [insn];
  if (COMMUTATIVE.has(insn.name)) out.push({ ...insn, rs1: insn.rs2, rs2: insn.rs1 });
  // addi rd, rs, 0 is add rd, zero, rs: c.mv
  if (insn.name === "addi" && insn.imm === 0) out.push(makeInsn("add", { rd: insn.rd, rs2: insn.rs1 }));
  return out;
}

/** The compressed record equivalent to the 32-bit record `insn`, or undefined if there is none. */
export function compress(insn: Insn): Insn | undefined {
  for (const candidate of spellings(insn)) {
    for (const cname of compressedFormsOf(candidate.name)) {
      const c = { ...candidate, name: cname };
      if (canEncode(c)) return c;
    }
  }
  return undefined;
}
