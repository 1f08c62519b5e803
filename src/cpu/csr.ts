// CSR numbers, the mstatus/mip bit layout and trap causes of the RISC-V privileged spec
// (riscv-isa-manual src/priv/machine.adoc and supervisor.adoc).

// CSR numbers and names: one table, in the ISA leaf the assembler and disassembler share.
export { CSR, csrName, csrNumber } from "../asm/isa/index.js";

/** The CSR instructions' access kinds, as Hart.csrOp takes them: 0-2 csrrw/rs/rc, 4-6 their
 *  immediate forms (kind & 3 the operation, kind >= 4 the immediate). */
export const CSR_KIND = { csrrw: 0, csrrs: 1, csrrc: 2, csrrwi: 4, csrrsi: 5, csrrci: 6 } as const;

/** Does a CSR instruction of `kind` write its CSR? `imm` is the decoded immediate (the CSR
 *  number, zimm << 12), `s1` rs1: csrrs/rc with x0 and their immediate forms with zimm 0 only read. */
export function csrWrites(kind: number, imm: number, s1: number): boolean {
  return (kind & 3) === 0 || (kind >= 4 ? imm >>> 12 !== 0 : s1 !== 0);
}

// mstatus bits (low word; UXL/SXL/SD live in the high word and are synthesised on read).
export const MSTATUS = {
  SIE: 1 << 1,
  MIE: 1 << 3,
  SPIE: 1 << 5,
  UBE: 1 << 6,
  MPIE: 1 << 7,
  SPP: 1 << 8,
  VS: 3 << 9,
  MPP: 3 << 11,
  FS: 3 << 13,
  XS: 3 << 15,
  MPRV: 1 << 17,
  SUM: 1 << 18,
  MXR: 1 << 19,
  TVM: 1 << 20,
  TW: 1 << 21,
  TSR: 1 << 22,
} as const;

/** menvcfg.ADUE: Svadu, hardware updating of PTE A/D bits. */
export const MENVCFG_ADUE = 1n << 61n;

/** mstatus bits visible through sstatus. */
export const SSTATUS_MASK =
  MSTATUS.SIE |
  MSTATUS.SPIE |
  MSTATUS.UBE |
  MSTATUS.SPP |
  MSTATUS.VS |
  MSTATUS.FS |
  MSTATUS.XS |
  MSTATUS.SUM |
  MSTATUS.MXR;

// Interrupt numbers (bits of mip/mie).
export const IRQ = { SSI: 1, MSI: 3, STI: 5, MTI: 7, SEI: 9, MEI: 11 } as const;
/** Interrupts S-mode software may delegate and see. */
export const S_IRQS = (1 << IRQ.SSI) | (1 << IRQ.STI) | (1 << IRQ.SEI);
export const M_IRQS = (1 << IRQ.MSI) | (1 << IRQ.MTI) | (1 << IRQ.MEI);
/** Interrupt priority, highest first: MEI, MSI, MTI, SEI, SSI, STI (privileged spec §3.1.9). */
export const IRQ_PRIORITY = [IRQ.MEI, IRQ.MSI, IRQ.MTI, IRQ.SEI, IRQ.SSI, IRQ.STI] as const;

// Exception causes (mcause with the interrupt bit clear).
export const CAUSE = {
  FETCH_MISALIGNED: 0,
  FETCH_ACCESS: 1,
  ILLEGAL: 2,
  BREAKPOINT: 3,
  LOAD_MISALIGNED: 4,
  LOAD_ACCESS: 5,
  STORE_MISALIGNED: 6,
  STORE_ACCESS: 7,
  ECALL_U: 8,
  ECALL_S: 9,
  ECALL_M: 11,
  FETCH_PAGE_FAULT: 12,
  LOAD_PAGE_FAULT: 13,
  STORE_PAGE_FAULT: 15,
} as const;

const CAUSE_NAMES: Record<number, string> = {
  0: "instruction address misaligned",
  1: "instruction access fault",
  2: "illegal instruction",
  3: "breakpoint",
  4: "load address misaligned",
  5: "load access fault",
  6: "store/AMO address misaligned",
  7: "store/AMO access fault",
  8: "environment call from U-mode",
  9: "environment call from S-mode",
  11: "environment call from M-mode",
  12: "instruction page fault",
  13: "load page fault",
  15: "store/AMO page fault",
};

const IRQ_NAMES: Record<number, string> = {
  1: "supervisor software interrupt",
  3: "machine software interrupt",
  5: "supervisor timer interrupt",
  7: "machine timer interrupt",
  9: "supervisor external interrupt",
  11: "machine external interrupt",
};

/** The spec's name of a trap cause. */
export function causeName(cause: number, interrupt = false): string {
  return (interrupt ? IRQ_NAMES[cause] : CAUSE_NAMES[cause]) ?? `cause ${cause}`;
}

export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;

export function privName(p: number): string {
  return p === PRIV_M ? "M" : p === PRIV_S ? "S" : "U";
}

/** Exceptions that medeleg may delegate (ecall from M, cause 11, cannot be). */
export const MEDELEG_MASK = 0xb3ff; // causes 0-9, 12, 13, 15
