// The target description gdb reads through qXfer:features:read:target.xml (gdb manual, "Target
// Descriptions", and the RISC-V features gdb knows: org.gnu.gdb.riscv.cpu, .fpu, .csr,
// .virtual, in the shapes of gdb's riscv-64bit-cpu.xml, -fpu.xml and -csr.xml). Register numbers
// are gdb's (target.ts): x0..x31, pc, f0..f31, 65 + CSR number, priv at 65 + 4096.

import { CSR, csrName } from "../cpu/index.js";
import { REG_CSR0, REG_F0, REG_PRIV, type Target } from "./target.js";

/** The ABI names of x0..x31, as riscv-64bit-cpu.xml has them. */
export const X_NAMES = [
  "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
]; // biome-ignore format: a table

/** The ABI names of f0..f31. */
export const F_NAMES = [
  "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3",
  "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10",
  "fs11", "ft8", "ft9", "ft10", "ft11",
]; // biome-ignore format: a table

const FP_CSRS = new Set<number>([CSR.fflags, CSR.frm, CSR.fcsr]);

/** The CSRs a bare target describes: every named one of the hart's CSR file but fcsr's (those
 *  are in the fpu feature). */
export const DESCRIBED_CSRS: readonly number[] = Object.values(CSR)
  .filter((n) => !FP_CSRS.has(n))
  .sort((a, b) => a - b);

const X_TYPES: Record<string, string> = { ra: "code_ptr", sp: "data_ptr", gp: "data_ptr", tp: "data_ptr" };

const reg = (name: string, bits: number, type: string, regnum?: number): string =>
  `<reg name="${name}" bitsize="${bits}" type="${type}"${regnum === undefined ? "" : ` regnum="${regnum}"`}/>`;

/** target.xml for `t`'s features and CSRs. */
export function targetXml(t: Pick<Target, "features" | "csrs">): string {
  const parts = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
    '<target version="1.0">',
    "<architecture>riscv:rv64</architecture>",
  ];
  if (t.features.includes("cpu")) {
    parts.push('<feature name="org.gnu.gdb.riscv.cpu">');
    X_NAMES.forEach((n, i) => {
      parts.push(reg(n, 64, X_TYPES[n] ?? "int", i));
    });
    parts.push(reg("pc", 64, "code_ptr", 32), "</feature>");
  }
  if (t.features.includes("fpu")) {
    parts.push('<feature name="org.gnu.gdb.riscv.fpu">');
    F_NAMES.forEach((n, i) => {
      parts.push(reg(n, 64, "ieee_double", REG_F0 + i));
    });
    for (const c of [CSR.fflags, CSR.frm, CSR.fcsr]) parts.push(reg(csrName(c), 32, "int", REG_CSR0 + c));
    parts.push("</feature>");
  }
  if (t.features.includes("csr")) {
    parts.push('<feature name="org.gnu.gdb.riscv.csr">');
    for (const c of t.csrs) parts.push(reg(csrName(c), 64, "int", REG_CSR0 + c));
    parts.push("</feature>");
  }
  if (t.features.includes("virtual")) {
    parts.push('<feature name="org.gnu.gdb.riscv.virtual">', reg("priv", 64, "int", REG_PRIV), "</feature>");
  }
  parts.push("</target>");
  return parts.join("\n");
}
