// The hart's CSRs, one entry per register, as Spike registers its CSRs (riscv-isa-sim
// riscv/csrs.cc: one object per CSR with its read, its write and its access check; see
// docs/reference/emulators.md): the number, the name, how it reads, how a write changes the
// hart (the register's WARL rules), and any access rule besides the two its number encodes
// (bits 9:8 the lowest privilege that may access it, bits 11:10 = 3 read-only: privileged spec,
// "CSR Address Mapping Conventions"). Hart.csrOp applies the rules; a number with no entry is
// not a CSR of this hart (an access is an illegal instruction).

import {
  CSR,
  csrName,
  MEDELEG_MASK,
  MENVCFG_ADUE,
  MSTATUS,
  PRIV_M,
  PRIV_S,
  PRIV_U,
  S_IRQS,
  SSTATUS_MASK,
} from "./csr.js";
import type { Hart } from "./hart.js";

export interface CsrEntry {
  readonly num: number;
  readonly name: string;
  /** The lowest privilege that may access it (from the number). */
  readonly priv: number;
  /** Writes are illegal (from the number). */
  readonly readOnly: boolean;
  /** The value, with `n` instructions of the current chunk counted. */
  read(h: Hart, n: number): bigint;
  /** Apply a write of the 64-bit `v`. Absent: a write changes nothing (WARL read-only zero). */
  write?(h: Hart, v: bigint, n: number): void;
  /** A further access rule (FS, TVM, the counter enables): false makes the access illegal. */
  allowed?(h: Hart): boolean;
  /** A write may change what the interpreter loop holds on to (translation, the fetch page,
   *  the interpreter variant) or which interrupts can be taken: the loop ends its chunk after
   *  it, so the machine looks at the hart again before the next instruction. Writes to the
   *  other CSRs (fcsr, the scratch and trap registers, counters...) change nothing of that and
   *  go on in the same chunk: floating-point code that sets frm or clears fflags around every
   *  call would otherwise end a chunk every few dozen instructions. */
  readonly endsChunk: boolean;
}

type Def = Pick<CsrEntry, "read" | "write" | "allowed">;

/** The CSRs whose writes end the chunk (see CsrEntry.endsChunk): the interrupt enables and
 *  pending bits, delegation of interrupts, translation (satp, and mstatus's MPRV, SUM and MXR)
 *  and the envcfg registers (Svadu's ADUE). */
const ENDS_CHUNK: ReadonlySet<number> = new Set<number>([
  CSR.sstatus,
  CSR.sie,
  CSR.sip,
  CSR.satp,
  CSR.senvcfg,
  CSR.mstatus,
  CSR.mideleg,
  CSR.mie,
  CSR.mip,
  CSR.menvcfg,
  CSR.tdata1,
]);

/** mstatus bits software may write (FS too, when the hart has F: Hart.fsWritable). */
const MSTATUS_WRITABLE =
  MSTATUS.SIE |
  MSTATUS.MIE |
  MSTATUS.SPIE |
  MSTATUS.MPIE |
  MSTATUS.SPP |
  MSTATUS.MPP |
  MSTATUS.MPRV |
  MSTATUS.SUM |
  MSTATUS.MXR |
  MSTATUS.TVM |
  MSTATUS.TW |
  MSTATUS.TSR;
/** mstatus high word: UXL = SXL = 2 (64-bit). */
const MSTATUS_HI = 0xan << 32n;
/** mstatus.SD: FS (the only extension state mmlab has) is Dirty. */
const MSTATUS_SD = 1n << 63n;
/** The sstatus view of the high word: UXL and SD. */
const SSTATUS_HI = (3n << 32n) | MSTATUS_SD;
const MIE_MASK = 0xaaa;
/** SSIP, STIP and SEIP are writable by M-mode through mip. */
const MIP_SW_MASK = S_IRQS;
/** Only SSIP is writable through sip. */
const SIP_SW_MASK = 1 << 1;
/** menvcfg: ADUE and FIOM; senvcfg: FIOM. */
const MENVCFG_MASK = MENVCFG_ADUE | 1n;
const SENVCFG_MASK = 1n;
/** pmpaddr holds bits 55:2 of an address. */
const PMPADDR_MASK = (1n << 54n) - 1n;

const lo32 = (v: bigint): number => Number(v & 0xffffffffn);
const zero = (): bigint => 0n;

/** mstatus as software reads it: the low word with the synthesised high word and SD. */
function mstatusValue(h: Hart): bigint {
  const sd = (h.mstatus & MSTATUS.FS) === MSTATUS.FS ? MSTATUS_SD : 0n;
  return sd | MSTATUS_HI | BigInt(h.mstatus >>> 0);
}

/** Write mstatus's low word: only the writable fields change, MPP keeps its value on a write of
 *  the reserved 2, and the host TLB is dropped (SUM, MXR and MPRV change what translations allow). */
function writeMstatus(h: Hart, v: number): void {
  const writable = MSTATUS_WRITABLE | h.fsWritable;
  let next = (h.mstatus & ~writable) | (v & writable);
  if ((next & MSTATUS.MPP) >>> 11 === 2) next = (next & ~MSTATUS.MPP) | (h.mstatus & MSTATUS.MPP);
  h.mstatus = next;
  h.hostTlb.flush();
}

/** Writing fflags, frm or fcsr marks FS Dirty. frm takes any value: an invalid one traps when
 *  an instruction uses it. */
function setFcsr(h: Hart, fflags: number, frm: number): void {
  h.fflags = fflags & 0x1f;
  h.frm = frm & 7;
  h.mstatus |= MSTATUS.FS;
}

/** F/D state is accessible only while mstatus.FS is not Off. */
const fpOn = (h: Hart): boolean => (h.mstatus & MSTATUS.FS) !== 0;

/** A user counter (cycle, time, instret, hpmcounterN) below M-mode needs its mcounteren bit,
 *  and in U-mode its scounteren bit too. */
const counterEnabled =
  (bit: number) =>
  (h: Hart): boolean =>
    (h.priv === PRIV_M || (h.mcounteren & bit) !== 0) && (h.priv !== PRIV_U || (h.scounteren & bit) !== 0);

const cycles = (h: Hart, n: number): bigint => BigInt.asUintN(64, BigInt(h.steps + n - 1) + h.cycleOffset);
const instrets = (h: Hart, n: number): bigint =>
  BigInt.asUintN(64, BigInt(h.steps + n - 1) + h.instretOffset);

/** A trap vector: MODE 0 (direct) and 1 (vectored) are kept, a reserved MODE leaves it as it was. */
const tvecOk = (v: bigint): boolean => (v & 3n) < 2n;

type Field64 =
  | "stvec"
  | "mtvec"
  | "sepc"
  | "mepc"
  | "scause"
  | "mcause"
  | "stval"
  | "mtval"
  | "sscratch"
  | "mscratch"
  | "senvcfg"
  | "menvcfg";
type Field32 = "scounteren" | "mcounteren" | "medeleg" | "mideleg" | "mie";

/** A CSR held whole in a 64-bit field of the hart: a write keeps the bits of `mask` (WARL). */
const field64 = (key: Field64, mask = -1n): Def => ({
  read: (h) => h[key],
  write: (h, v) => {
    h[key] = v & mask;
  },
});

/** A CSR held in a 32-bit field of the hart (as an unsigned number): a write keeps the low
 *  word, or only the bits of `mask` in it (WARL). */
const field32 = (key: Field32, mask?: number): Def => ({
  read: (h) => BigInt(h[key]),
  write: (h, v) => {
    h[key] = mask === undefined ? lo32(v) : lo32(v) & mask;
  },
});

/** A trap vector CSR (stvec, mtvec): a write with a reserved MODE is ignored. */
const tvec = (key: "stvec" | "mtvec"): Def => ({
  read: (h) => h[key],
  write: (h, v) => {
    if (tvecOk(v)) h[key] = v;
  },
});

const DEFS: [number, Def][] = [
  [CSR.fflags, { read: (h) => BigInt(h.fflags), write: (h, v) => setFcsr(h, lo32(v), h.frm), allowed: fpOn }],
  [CSR.frm, { read: (h) => BigInt(h.frm), write: (h, v) => setFcsr(h, h.fflags, lo32(v)), allowed: fpOn }],
  [
    CSR.fcsr,
    {
      read: (h) => BigInt((h.frm << 5) | h.fflags),
      write: (h, v) => setFcsr(h, lo32(v), lo32(v) >>> 5),
      allowed: fpOn,
    },
  ],
  [CSR.cycle, { read: cycles, allowed: counterEnabled(1 << 0) }],
  [CSR.time, { read: (h, n) => h.host.mtime(h, n), allowed: counterEnabled(1 << 1) }],
  [CSR.instret, { read: instrets, allowed: counterEnabled(1 << 2) }],
  [
    CSR.sstatus,
    {
      read: (h) => mstatusValue(h) & (BigInt(SSTATUS_MASK) | SSTATUS_HI),
      write: (h, v) => writeMstatus(h, (h.mstatus & ~SSTATUS_MASK) | (lo32(v) & SSTATUS_MASK)),
    },
  ],
  [
    CSR.sie,
    {
      read: (h) => BigInt(h.mie & h.mideleg),
      write: (h, v) => {
        h.mie = (h.mie & ~h.mideleg) | (lo32(v) & h.mideleg);
      },
    },
  ],
  [CSR.stvec, tvec("stvec")],
  [CSR.scounteren, field32("scounteren")],
  [CSR.senvcfg, field64("senvcfg", SENVCFG_MASK)],
  [CSR.sscratch, field64("sscratch")],
  [CSR.sepc, field64("sepc", ~1n)],
  [CSR.scause, field64("scause")],
  [CSR.stval, field64("stval")],
  [
    CSR.sip,
    {
      read: (h) => BigInt((h.mipSw | h.mipHw) & h.mideleg),
      write: (h, v) => {
        const m = h.mideleg & SIP_SW_MASK;
        h.mipSw = (h.mipSw & ~m) | (lo32(v) & m);
      },
    },
  ],
  [
    CSR.satp,
    {
      read: (h) => h.satp,
      write: (h, v) => h.writeSatp(v),
      // mstatus.TVM traps S-mode accesses to satp.
      allowed: (h) => !(h.priv === PRIV_S && h.mstatus & MSTATUS.TVM),
    },
  ],
  [CSR.mvendorid, { read: zero }],
  [CSR.marchid, { read: zero }],
  [CSR.mimpid, { read: zero }],
  [CSR.mhartid, { read: (h) => BigInt(h.id) }],
  [CSR.mconfigptr, { read: zero }],
  [CSR.mstatus, { read: mstatusValue, write: (h, v) => writeMstatus(h, lo32(v)) }],
  [CSR.misa, { read: (h) => h.misa }],
  [CSR.medeleg, field32("medeleg", MEDELEG_MASK)],
  [CSR.mideleg, field32("mideleg", S_IRQS)],
  [CSR.mie, field32("mie", MIE_MASK)],
  [CSR.mtvec, tvec("mtvec")],
  [CSR.mcounteren, field32("mcounteren")],
  [CSR.menvcfg, field64("menvcfg", MENVCFG_MASK)],
  [CSR.mcountinhibit, { read: zero }],
  [CSR.mscratch, field64("mscratch")],
  [CSR.mepc, field64("mepc", ~1n)],
  [CSR.mcause, field64("mcause")],
  [CSR.mtval, field64("mtval")],
  [
    CSR.mip,
    {
      read: (h) => BigInt(h.mipSw | h.mipHw),
      write: (h, v) => {
        h.mipSw = lo32(v) & MIP_SW_MASK;
      },
    },
  ],
  [CSR.tselect, { read: (h) => BigInt(h.triggers.tselect), write: (h, v) => h.triggers.writeTselect(v) }],
  [CSR.tdata1, { read: (h) => h.triggers.readTdata1(), write: (h, v) => h.triggers.writeTdata1(v) }],
  [CSR.tdata2, { read: (h) => h.triggers.readTdata2(), write: (h, v) => h.triggers.writeTdata2(v) }],
  // tdata3 (textra): its fields are WARL and may all read 0 (mhselect = sselect = 0: no context
  // condition), which the debug spec allows; here it is that, read-only zero.
  [CSR.tdata3, { read: zero }],
  [CSR.tinfo, { read: (h) => h.triggers.readTinfo() }],
  [CSR.tcontrol, { read: (h) => BigInt(h.triggers.tcontrol), write: (h, v) => h.triggers.writeTcontrol(v) }],
  [
    CSR.mcycle,
    {
      read: cycles,
      write: (h, v, n) => {
        h.cycleOffset = v - BigInt(h.steps + n);
      },
    },
  ],
  [
    CSR.minstret,
    {
      read: instrets,
      // The write is what the next instruction reads: this one does not count.
      write: (h, v, n) => {
        h.instretOffset = v - BigInt(h.steps + n);
      },
    },
  ],
];

/** The numbered families: hpmcounter3..31 (read-only zero, under the counter enables),
 *  mhpmcounter3..31 and mhpmevent3..31 (zero, writes ignored), pmpcfg0..14 (even only on
 *  RV64) and pmpaddr0..63 (kept, not enforced). */
function familyDefs(): [number, Def][] {
  const defs: [number, Def][] = [];
  for (let i = 3; i <= 31; i++) {
    defs.push([CSR.cycle + i, { read: zero, allowed: counterEnabled(1 << i) }]);
    defs.push([CSR.mcycle + i, { read: zero }]);
    defs.push([CSR.mcountinhibit + i, { read: zero }]);
  }
  for (let i = 0; i < 16; i += 2) {
    defs.push([
      CSR.pmpcfg0 + i,
      {
        read: (h) => h.pmpcfg[i]!,
        write: (h, v) => {
          h.pmpcfg[i] = v;
        },
      },
    ]);
  }
  for (let i = 0; i < 64; i++) {
    defs.push([
      CSR.pmpaddr0 + i,
      {
        read: (h) => h.pmpaddr[i]!,
        write: (h, v) => {
          h.pmpaddr[i] = v & PMPADDR_MASK;
        },
      },
    ]);
  }
  return defs;
}

let csrs: readonly (CsrEntry | undefined)[] | null = null;

/** The CSR file by number: 4096 slots, undefined where this hart has no CSR. Built at the first
 *  CSR access (a hello world makes none: building it, with each CSR's name, cost about 1 ms of
 *  CPU at every start-up). */
export function csrTable(): readonly (CsrEntry | undefined)[] {
  csrs ??= buildCsrs([...DEFS, ...familyDefs()]);
  return csrs;
}

function buildCsrs(defs: [number, Def][]): (CsrEntry | undefined)[] {
  const table: (CsrEntry | undefined)[] = new Array(4096).fill(undefined);
  for (const [num, def] of defs) {
    if (table[num]) throw new Error(`csrfile: CSR 0x${num.toString(16)} registered twice`);
    table[num] = {
      num,
      name: csrName(num),
      priv: (num >>> 8) & 3,
      readOnly: num >>> 10 === 3,
      endsChunk: ENDS_CHUNK.has(num),
      ...def,
    };
  }
  return table;
}
