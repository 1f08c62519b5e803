// Decoding of the F and D extensions (unprivileged spec, chapters "F" and "D", and the FP loads
// and stores of "C"): LOAD-FP, STORE-FP, the four fused multiply-add opcodes, OP-FP and the RV64
// compressed c.fld/c.fsd/c.fldsp/c.fsdsp. An rm field holding a reserved value (5 or 6) makes the
// encoding illegal here, at decode time; rm = 7 (dynamic) is resolved against frm when executed.
// For instructions with an rm field the decoded imm is the rounding mode.

import { match, P } from "ts-pattern";
import { type Decoded, illegal, insn, type Operands } from "../decode.js";
import type { Mnemonic } from "../isa.js";

const FMT = ["s", "d"] as const;
const INT_KINDS = ["w", "wu", "l", "lu"] as const;
const FUSED: Record<number, string> = { 67: "fmadd", 71: "fmsub", 75: "fnmsub", 79: "fnmadd" };

const validRm = (rm: number): boolean => rm !== 5 && rm !== 6;

/** Decode a 32-bit word whose major opcode is LOAD-FP, STORE-FP, MADD/MSUB/NMSUB/NMADD or OP-FP. */
export function decodeFp32(w: number): Decoded {
  const b = w >>> 0;
  const opcode = w & 0x7f;
  const rd = (w >>> 7) & 31;
  const funct3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const funct7 = w >>> 25;
  const bad = (): Decoded => illegal(b, 4);
  const named = (name: string, f: Operands): Decoded => insn(name as Mnemonic, 4, b, f);

  if (opcode === 0x07 || opcode === 0x27) {
    const wd = funct3 === 2 ? "w" : funct3 === 3 ? "d" : null;
    if (!wd) return bad();
    if (opcode === 0x07) return named(`fl${wd}`, { rd, rs1, imm: w >> 20 });
    return named(`fs${wd}`, { rs1, rs2, imm: ((w >> 25) << 5) | rd });
  }
  const fmt = FMT[funct7 & 3];
  if (!fmt) return bad(); // fmt 2 (H, Zfh) and 3 (Q) are extensions this CPU does not have: illegal
  const fused = FUSED[opcode];
  if (fused) {
    if (!validRm(funct3)) return bad();
    return named(`${fused}.${fmt}`, { rd, rs1, rs2, rs3: w >>> 27, imm: funct3 });
  }
  // OP-FP
  const rr = { rd, rs1, rs2 };
  const withRm = (name: string, f: Operands): Decoded =>
    validRm(funct3) ? named(name, { rd: f.rd, rs1: f.rs1, rs2: f.rs2, imm: funct3 }) : bad();
  return match(funct7 >>> 2)
    .with(P.union(0, 1, 2, 3), (k) => withRm(`${["fadd", "fsub", "fmul", "fdiv"][k]}.${fmt}`, rr))
    .with(0x0b, () => (rs2 === 0 ? withRm(`fsqrt.${fmt}`, { rd, rs1 }) : bad()))
    .with(0x04, () => {
      const op = ["fsgnj", "fsgnjn", "fsgnjx"][funct3];
      return op ? named(`${op}.${fmt}`, rr) : bad();
    })
    .with(0x05, () => (funct3 < 2 ? named(`${funct3 ? "fmax" : "fmin"}.${fmt}`, rr) : bad()))
    .with(0x08, () => {
      if (fmt === "s" && rs2 === 1) return withRm("fcvt.s.d", { rd, rs1 });
      if (fmt === "d" && rs2 === 0) return withRm("fcvt.d.s", { rd, rs1 });
      return bad();
    })
    .with(0x14, () => {
      const op = ["fle", "flt", "feq"][funct3];
      return op ? named(`${op}.${fmt}`, rr) : bad();
    })
    .with(0x18, () => {
      const k = INT_KINDS[rs2];
      return k ? withRm(`fcvt.${k}.${fmt}`, { rd, rs1 }) : bad();
    })
    .with(0x1a, () => {
      const k = INT_KINDS[rs2];
      return k ? withRm(`fcvt.${fmt}.${k}`, { rd, rs1 }) : bad();
    })
    .with(0x1c, () => {
      if (rs2 !== 0) return bad();
      if (funct3 === 0) return named(fmt === "s" ? "fmv.x.w" : "fmv.x.d", { rd, rs1 });
      if (funct3 === 1) return named(`fclass.${fmt}`, { rd, rs1 });
      return bad();
    })
    .with(0x1e, () =>
      rs2 === 0 && funct3 === 0 ? named(fmt === "s" ? "fmv.w.x" : "fmv.d.x", { rd, rs1 }) : bad(),
    )
    .otherwise(bad);
}

/** Decode RV64C quadrant 0 or 2 with funct3 1 or 5: c.fld, c.fsd, c.fldsp, c.fsdsp. */
export function decodeFp16(h: number): Decoded {
  const quadrant = h & 3;
  const store = h >>> 13 === 5;
  const c = (cname: string, name: Mnemonic, f: Operands): Decoded => insn(name, 2, h, f, cname);
  if (quadrant === 0) {
    const rs1 = 8 + ((h >>> 7) & 7);
    const r = 8 + ((h >>> 2) & 7);
    const imm = (((h >>> 10) & 7) << 3) | (((h >>> 5) & 3) << 6);
    return store ? c("c.fsd", "fsd", { rs1, rs2: r, imm }) : c("c.fld", "fld", { rd: r, rs1, imm });
  }
  if (store) {
    const imm = (((h >>> 10) & 7) << 3) | (((h >>> 7) & 7) << 6);
    return c("c.fsdsp", "fsd", { rs1: 2, rs2: (h >>> 2) & 31, imm });
  }
  const imm = (((h >>> 12) & 1) << 5) | (((h >>> 5) & 3) << 3) | (((h >>> 2) & 7) << 6);
  return c("c.fldsp", "fld", { rd: (h >>> 7) & 31, rs1: 2, imm });
}
