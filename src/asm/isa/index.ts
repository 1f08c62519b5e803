// The names and records of the ISA that the assembler shares with the CPU's decoder and
// disassembler: register ABI names, CSR numbers, rounding modes, the instruction record. A leaf
// with no imports, so the CPU can use it without loading the assembler.

/** ABI names of x0..x31, in register order. */
export const ABI_NAMES = [
  "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
] as const; // biome-ignore format: one row per 16 registers

/** A register name: an ABI name, `fp`, or `x0`..`x31`. */
export type RegName = (typeof ABI_NAMES)[number] | "fp" | `x${number}`;

/** Name → number in a register file: its ABI names and PREFIX0..PREFIX31. */
function registerMap(abi: readonly string[], prefix: string): Map<string, number> {
  const m = new Map<string, number>();
  abi.forEach((name, i) => {
    m.set(name, i);
    m.set(`${prefix}${i}`, i);
  });
  return m;
}

const REGS = registerMap(ABI_NAMES, "x").set("fp", 8);

/** The number of register `name` (ABI name, fp, or x0..x31), or undefined if it names no register. */
export function regNumber(name: string): number | undefined {
  return REGS.get(name);
}

/** The ABI name of register `n` (0..31). */
export function regName(n: number): string {
  return ABI_NAMES[n] ?? `x${n}`;
}

/** ABI names of the f registers f0..f31, in register order. */
export const FABI_NAMES = [
  "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
  "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
] as const; // biome-ignore format: one row per 16 registers

/** An f register name: an ABI name or `f0`..`f31`. */
export type FRegName = (typeof FABI_NAMES)[number] | `f${number}`;

const FREGS = registerMap(FABI_NAMES, "f");

/** The number of f register `name` (ABI name or f0..f31), or undefined if it names none. */
export function fregNumber(name: string): number | undefined {
  return FREGS.get(name);
}

/** The ABI name of f register `n` (0..31). */
export function fregName(n: number): string {
  return FABI_NAMES[n] ?? `f${n}`;
}

/** Rounding-mode operands of F/D instructions and their rm field values. */
export const ROUNDING_MODES = { rne: 0, rtz: 1, rdn: 2, rup: 3, rmm: 4, dyn: 7 } as const;
export type RoundingMode = keyof typeof ROUNDING_MODES;

/** True for x8..x15, the registers the 3-bit fields of compressed instructions can name. */
export function isPrimeReg(n: number): boolean {
  return n >= 8 && n <= 15;
}

/** The CSRs a hart of mmlab implements, by name (riscv-isa-manual src/priv/machine.adoc,
 *  supervisor.adoc; the debug spec 1.0 for Sdtrig). The numbered families (pmpaddrN...) are below. */
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

/** CSRs the assembler and disassembler name although a hart does not implement them (an access
 *  is an illegal instruction): Sstc, the hypervisor-era machine trap CSRs, Smepmp, Sdext. */
const OTHER_CSRS: Readonly<Record<string, number>> = {
  stimecmp: 0x14d,
  mtinst: 0x34a,
  mtval2: 0x34b,
  mseccfg: 0x747,
  dcsr: 0x7b0,
  dpc: 0x7b1,
  dscratch0: 0x7b2,
  dscratch1: 0x7b3,
};

/** The numbered CSR families: [name, number of index 0, first index, last index, step]; RV64 has
 *  only the even pmpcfg registers. */
const CSR_FAMILIES: readonly (readonly [string, number, number, number, number])[] = [
  ["pmpcfg", 0x3a0, 0, 14, 2],
  ["pmpaddr", 0x3b0, 0, 63, 1],
  ["hpmcounter", 0xc00, 3, 31, 1],
  ["mhpmcounter", 0xb00, 3, 31, 1],
  ["mhpmevent", 0x320, 3, 31, 1],
];

/** CSR numbers by name, and names by number, made on first use (csrNumber, csrName): the
 *  assembler, the disassembler and the CSR file's first access need them, a hello world's
 *  start-up does not. */
let byName: ReadonlyMap<string, number> | null = null;
let byNumber: ReadonlyMap<number, string> | null = null;

function csrNames(): ReadonlyMap<string, number> {
  byName ??= new Map([
    ...Object.entries(CSR),
    ...Object.entries(OTHER_CSRS),
    ...CSR_FAMILIES.flatMap(([name, base, first, last, step]) => {
      const out: [string, number][] = [];
      for (let i = first; i <= last; i += step) out.push([`${name}${i}`, base + i]);
      return out;
    }),
  ]);
  return byName;
}

/** The number of CSR `name` (e.g. "mstatus" → 0x300), or undefined if the name is not known. */
export function csrNumber(name: string): number | undefined {
  return csrNames().get(name);
}

/** The name of CSR number `n`, or its number in hex (0x7c0) when it has none. */
export function csrName(n: number): string {
  // the names inverted once (csrName runs for each CSR of the CSR file when it is built)
  byNumber ??= new Map([...csrNames()].map(([name, num]) => [num, name]));
  return byNumber.get(n) ?? `0x${n.toString(16).padStart(3, "0")}`;
}

/**
 * A concrete instruction: its mnemonic and field values. For a compressed instruction (`c.*`) the
 * fields are those of its 32-bit expansion, as a decoder reports them: `c.addi a0, 3` is
 * `{ name: "c.addi", rd: 10, rs1: 10, imm: 3 }`. `imm` is the value as written in assembly: the
 * byte offset for branches and jumps (target − pc), the 20-bit field for lui/auipc/c.lui, the shift
 * amount for shifts, the zimm of csr*i, the rounding mode (rm field) of F/D instructions that
 * have one. Register fields hold f register numbers where the instruction takes f registers.
 */
export interface Insn {
  readonly name: string;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  /** The third source of the fused multiply-adds (R4-type). */
  readonly rs3: number;
  readonly imm: number;
  readonly csr: number;
  readonly aq: boolean;
  readonly rl: boolean;
  readonly pred: number;
  readonly succ: number;
}

/** Every operand field at zero: the base of an assembled record and of a decoded one. */
export const ZERO_FIELDS: Omit<Insn, "name"> = {
  rd: 0,
  rs1: 0,
  rs2: 0,
  rs3: 0,
  imm: 0,
  csr: 0,
  aq: false,
  rl: false,
  pred: 0,
  succ: 0,
};
