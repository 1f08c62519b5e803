// CSR numbers, the mstatus/mip bit layout and trap causes of the RISC-V privileged spec
// (riscv-isa-manual src/priv/machine.adoc and supervisor.adoc).

export const CSR = {
  // Unprivileged floating-point
  fflags: 0x001,
  frm: 0x002,
  fcsr: 0x003,
  // Unprivileged counters
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  // Supervisor
  sstatus: 0x100,
  sie: 0x104,
  stvec: 0x105,
  scounteren: 0x106,
  senvcfg: 0x10a,
  sscratch: 0x140,
  sepc: 0x141,
  scause: 0x142,
  stval: 0x143,
  sip: 0x144,
  satp: 0x180,
  // Machine
  mvendorid: 0xf11,
  marchid: 0xf12,
  mimpid: 0xf13,
  mhartid: 0xf14,
  mconfigptr: 0xf15,
  mstatus: 0x300,
  misa: 0x301,
  medeleg: 0x302,
  mideleg: 0x303,
  mie: 0x304,
  mtvec: 0x305,
  mcounteren: 0x306,
  menvcfg: 0x30a,
  mcountinhibit: 0x320,
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  pmpcfg0: 0x3a0,
  pmpaddr0: 0x3b0,
  // Sdtrig (debug spec 1.0)
  tselect: 0x7a0,
  tdata1: 0x7a1,
  tdata2: 0x7a2,
  tdata3: 0x7a3,
  tinfo: 0x7a4,
  tcontrol: 0x7a5,
  mcycle: 0xb00,
  minstret: 0xb02,
} as const;

/** CSR names by number: the table above inverted once (csrName runs for each of the ~300 CSRs
 *  when the CSR file is built, at every start-up). */
const CSR_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CSR).map(([name, num]) => [num, name]));

/** CSR names by number, including the numbered families (pmpcfgN, pmpaddrN, hpmcounterN...). */
export function csrName(n: number): string {
  const name = CSR_NAMES.get(n);
  if (name !== undefined) return name;
  if (n >= 0x3a0 && n <= 0x3af) return `pmpcfg${n - 0x3a0}`;
  if (n >= 0x3b0 && n <= 0x3ef) return `pmpaddr${n - 0x3b0}`;
  if (n >= 0xc03 && n <= 0xc1f) return `hpmcounter${n - 0xc00}`;
  if (n >= 0xb03 && n <= 0xb1f) return `mhpmcounter${n - 0xb00}`;
  if (n >= 0x323 && n <= 0x33f) return `mhpmevent${n - 0x320}`;
  return `0x${n.toString(16).padStart(3, "0")}`;
}

/** The CSR number for a name (see csrName), or undefined. */
export function csrNumber(name: string): number | undefined {
  const direct = (CSR as Record<string, number>)[name];
  if (direct !== undefined) return direct;
  const m = /^(pmpcfg|pmpaddr|hpmcounter|mhpmcounter|mhpmevent)(\d+)$/.exec(name);
  if (!m) return undefined;
  const i = Number(m[2]);
  const fam: Record<string, [number, number, number]> = {
    pmpcfg: [0x3a0, 0, 15],
    pmpaddr: [0x3b0, 0, 63],
    hpmcounter: [0xc00, 3, 31],
    mhpmcounter: [0xb00, 3, 31],
    mhpmevent: [0x320, 3, 31],
  };
  const [base, lo, hi] = fam[m[1]!]!;
  return i >= lo && i <= hi ? base + i : undefined;
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
