// One RISC-V hart: its registers and CSRs (each CSR's rules are its entry in csrfile.ts), the
// privileged architecture (traps, delegation, interrupts, xRET) and the slow paths of memory
// access that the interpreter falls back to when its host TLB misses. Translation is Bare here;
// paging plugs in through `translator` (paging.ts).

import {
  arenaArray,
  PG_CODE,
  PG_RESV,
  PG_WATCH,
  type PhysMem,
  RAM_BASE,
  SATP_MODE_SHIFT,
  type TlbWasmLayout,
} from "../mmu/index.js";
import { type CodeCache, X0_SINK } from "./code.js";
import { CAUSE, csrWrites, IRQ_PRIORITY, MENVCFG_ADUE, MSTATUS, PRIV_M, PRIV_S, PRIV_U } from "./csr.js";
import { type CsrEntry, csrTable } from "./csrfile.js";
import { type AccessKind, HOST_TLB_ARENA_BYTES, HOST_W, HostTlb } from "./hosttlb.js";
import { r, splitBig, toBig } from "./int64.js";
import type { HartJit } from "./jit/translator.js";
import { TRAP } from "./trap.js";
import { TRIG_LOAD, TRIG_STORE, Triggers } from "./trigger.js";

/** Translation asked for a hart but not turned on yet (Hart.jitPending). */
export interface PendingJit {
  /** The heat threshold translation will use (--jit-hot); undefined: the translator's default. */
  readonly hot: number | undefined;
  /** Turn translation on for every hart of the machine (and clear their jitPending). */
  start(): void;
  /** Asked once, at the machine's first chunk (on hart `h`, before its first instruction):
   *  does the translation cache know the program from an earlier run (its hot entries)? Then
   *  run() turns translation on at once, without the starter share and the probe. */
  early?(h: Hart): boolean;
}

/** What a hart needs from the machine it is part of. */
export interface HartHost {
  readonly mem: PhysMem;
  readonly code: CodeCache;
  readonly harts: readonly Hart[];
  /** mtime as seen by `hart` after `n` instructions of its current chunk. */
  mtime(hart: Hart, n: number): bigint;
  /** A store hit a page a device watches (HTIF tohost). */
  watchedStore(hart: Hart, pa: number, width: number): void;
}

/** Virtual-to-physical translation for paged modes, backed by a modelled TLB (cpu/paging.ts). */
export interface Translator {
  /** Physical address of (lo, hi) for `kind` at privilege `priv`, or a thrown trap. Leaves the
   *  modelled-TLB slot that served it in `h.hostSlot`. */
  translate(h: Hart, lo: number, hi: number, kind: AccessKind, priv: number): number;
  /** As translate(), but returns -1 instead of trapping, with the cause in faultCause. */
  probe(h: Hart, lo: number, hi: number, kind: AccessKind, priv: number): number;
  readonly faultCause: number;
  /** LRU stamps and host-served hit counters of the modelled TLB, written in place on host-TLB
   *  hits (see HostTlb). */
  readonly stamp: Float64Array;
  readonly hostHits: Record<AccessKind, Float64Array>;
  /** The slot host-TLB entries made while translation is off point at. */
  readonly dummySlot: number;
  /** Would the modelled entry in `slot`, which just served a translation, serve an access of
   *  `kind` in the same context as a hit (permitted, A and D as it needs: no walk)? */
  serves(slot: number, kind: AccessKind): boolean;
  /** The data translation that just served a host-TLB fill was a paged one: make the host TLB's
   *  data-context words (HOST_W) the current context's, and LIVE, for the wasm slow path. */
  arm(h: Hart): void;
  /** The modelled TLB's state in the arena, for the wasm slow path (cpu/jit/slowpath.ts); null
   *  when it is not all there. */
  wasmLayout(): TlbWasmLayout | null;
  /** satp MODE values the MMU supports, besides Bare. */
  readonly modes: readonly number[];
  /** sfence.vma with rs1/rs2 as given (undefined = x0). */
  sfence(h: Hart, va: bigint | undefined, asid: number | undefined): void;
}

/** Bytes a hart takes in its machine's arena: its x and f registers (8-aligned), its host TLB,
 *  and room for the translator's per-hart words. */
export const HART_ARENA_BYTES = 8 * ((X0_SINK + 2) / 2) + 8 * 32 + HOST_TLB_ARENA_BYTES + 256;

const MXL64 = 2n << 62n;
const misaBits = (exts: string): bigint =>
  [...exts].reduce((v, c) => v | (1n << BigInt(c.charCodeAt(0) - 65)), MXL64);

const MASK64 = (1n << 64n) - 1n;

function kindCause(kind: AccessKind, access: number, misaligned: number, fetch: number): number {
  return kind === "r" ? access : kind === "w" ? misaligned : fetch;
}

export class Hart {
  /** The integer registers as int32 pairs (see code.ts), with the x0 sink pair at the end: in
   *  the machine's arena when it has room (translated code keeps them as i64 there). */
  readonly x: Int32Array;
  /** The f registers: f[r] as a double; fi[2r], fi[2r+1] its low and high words (bit moves
   *  go through these, so NaN payloads survive); f32[2r] the low word as a single. A single is
   *  NaN-boxed: properly when fi[2r+1] === -1. In the machine's arena when it has room
   *  (translated code reads and writes f register r as 8 bytes at f.byteOffset + 8r). */
  readonly f: Float64Array;
  readonly fi: Int32Array;
  readonly f32: Float32Array;
  /** fcsr: the accrued exception flags (NV DZ OF UF NX) and the dynamic rounding mode. */
  fflags = 0;
  frm = 0;
  /** mstatus.FS if the hart has D, else 0: D instructions test mstatus & fsD. */
  readonly fsD: number;
  pcLo = 0;
  pcHi = 0;
  priv = PRIV_M;
  /** The host fast-path TLB (hosttlb.ts): copies of live entries of the modelled TLB (the
   *  translator's), kept for speed only. */
  readonly hostTlb: HostTlb;
  /** The Sdtrig triggers and the debugger's breakpoints (trigger.ts). */
  readonly triggers: Triggers = new Triggers(this);
  readonly mem: PhysMem;
  readonly code: CodeCache;
  /** RAM offset of the page the last slow fetch translated to. */
  fetchBase = 0;
  /** The word of the last instruction decoded across a page boundary (its upper half came
   *  through the next page's translation): `--trace insn` prints it, as RAM cannot tell it. */
  straddleWord = 0;
  /** Set by slow paths to make the interpreter return after the current instruction. */
  yieldRequested = false;
  /** Sleeping in wfi until an interrupt is pending and enabled in mie. */
  waiting = false;
  /** Traps into this privilege level end the run (for a kernel written in TypeScript); -1: never. */
  exitOnTrapTo = -1;
  translator: Translator | null = null;
  /** The translator's per-hart state when translation to WebAssembly is on (jit/translator.ts);
   *  the interpreter's jit variant runs the hart then. */
  jit: HartJit | null = null;
  /** Translation asked for but not turned on yet (the `mmlab` command loads the translator only
   *  when a hart first needs it: start-up, src/session/machine.ts): run() (interp.ts) starts it
   *  once the process's starter share is used up and the program has shown hot code, before the
   *  first chunk of the jit variant. */
  jitPending: PendingJit | null = null;
  /** Observers of traps (tracing, statistics). */
  readonly trapListeners: ((h: Hart, cause: number, tval: bigint, interrupt: boolean) => void)[] = [];

  // Counters. `steps` counts the instructions this hart retired and is never written by
  // software: the machine's scheduling, --max-insns, statistics and the modelled TLB's clock use
  // it. minstret and mcycle (IPC = 1) are steps plus a 64-bit offset that CSR writes set.
  steps = 0;
  instretOffset = 0n;
  cycleOffset = 0n;
  /** Traps taken (they retire nothing, but a trap loop must still end a --max-insns run). */
  traps = 0;
  /** Instructions executed so far in the current chunk (set before slow paths); 0 between
   *  chunks, where steps counts them all (so that an access made then, as the kernel's copies
   *  to user memory make, has the modelled TLB's clock at steps, whatever the chunk's last slow
   *  path or region entry was). */
  chunkN = 0;
  /** The modelled-TLB slot the last translation used (translator.dummySlot when Bare). */
  hostSlot = 0;
  /** Cleared to run without the host TLB (every access through the model): for the tests that
   *  check the host TLB changes no modelled counter or replacement decision. */
  hostTlbEnabled = true;

  // CSRs
  readonly misa: bigint;
  mstatus = 0; // low word
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  mipSw = 0; // software-writable pending bits
  mipHw = 0; // pending bits driven by devices (MSIP, MTIP, MEIP)
  mtvec = 0n;
  stvec = 0n;
  mepc = 0n;
  sepc = 0n;
  mcause = 0n;
  scause = 0n;
  mtval = 0n;
  stval = 0n;
  mscratch = 0n;
  sscratch = 0n;
  satp = 0n;
  /** satp.MODE as a number (0 = Bare), kept by writeSatp: the checks on every slow access and
   *  chunk read it without a BigInt operation. */
  satpMode = 0;
  /** menvcfg (ADUE, FIOM). A change of ADUE disarms the wasm slow path's data context, whose
   *  walks set A and D only as ADUE was when it was armed (Paging.arm). */
  get menvcfg(): bigint {
    return this.menvcfgBits;
  }
  set menvcfg(v: bigint) {
    if ((v ^ this.menvcfgBits) & MENVCFG_ADUE) this.hostTlb.words[HOST_W.LIVE] = 0;
    this.menvcfgBits = v;
  }
  private menvcfgBits = 0n;
  senvcfg = 0n;
  mcounteren = 0;
  scounteren = 0;
  readonly pmpcfg = new BigUint64Array(16);
  readonly pmpaddr = new BigUint64Array(64);

  /** Physical address of this hart's LR reservation, or -1. */
  resv = -1;

  constructor(
    readonly id: number,
    readonly host: HartHost,
    extensions = "IMAFDCSU",
  ) {
    this.mem = host.mem;
    this.code = host.code;
    this.x = arenaArray(host.mem.arena, Int32Array, X0_SINK + 2);
    this.f = arenaArray(host.mem.arena, Float64Array, 32);
    this.fi = new Int32Array(this.f.buffer, this.f.byteOffset, 64);
    this.f32 = new Float32Array(this.f.buffer, this.f.byteOffset, 64);
    this.hostTlb = new HostTlb(host.mem.arena);
    this.misa = misaBits(extensions);
    // FS is writable (and F/D instructions can be enabled) only with F. It resets to Off, as on
    // Spike and (at least until 2024) QEMU (docs/reference/emulators.md): a bare program enables
    // FP itself (riscv-tests' RVTEST_FP_ENABLE sets FS = Initial), and the kernel sets
    // FS = Initial before it runs a user program.
    this.fsWritable = extensions.includes("F") ? MSTATUS.FS : 0;
    this.fsD = this.fsWritable && extensions.includes("D") ? MSTATUS.FS : 0;
  }

  /** mstatus.FS if the hart has F (FS is then writable), else 0. */
  readonly fsWritable: number;

  // ---- registers ----

  /** Register `i` as an unsigned bigint. */
  reg(i: number): bigint {
    return toBig(this.x[2 * i]!, this.x[2 * i + 1]!);
  }

  /** Set register `i` (x0 stays zero). */
  setReg(i: number, v: bigint): void {
    if (i === 0) return;
    this.x[2 * i] = splitBig(v);
    this.x[2 * i + 1] = r.hi;
  }

  pcBig(): bigint {
    return toBig(this.pcLo, this.pcHi);
  }

  setPc(v: bigint): void {
    this.pcLo = splitBig(v);
    this.pcHi = r.hi;
  }

  /** Instructions retired (steps), for statistics; the CSR values are csrRead(minstret). */
  get instret(): number {
    return this.steps;
  }

  /** Cycles: IPC is 1. */
  get cycle(): number {
    return this.steps;
  }

  /** Count `n` retired instructions: the chunk's count is in steps now, so chunkN goes back to
   *  0 (the modelled TLB's clock, steps + chunkN, stays the stamp a host-TLB hit would write when
   *  the kernel translates between chunks). */
  retire(n: number): void {
    this.steps += n;
    this.chunkN = 0;
    this.hostTlb.steps[0] = this.steps;
  }

  /** Is translation on for data or fetch accesses at the current privilege? Used to pick the
   *  interpreter variant that keeps the modelled TLB's accounting. */
  pagingActive(): boolean {
    return this.translator !== null && this.satpMode !== 0;
  }

  // ---- traps ----

  /** Take exception `cause` with `tval` and unwind the interpreter. */
  raise(cause: number, tval: bigint | number): never {
    this.enterTrap(cause, BigInt(tval), false);
    throw TRAP;
  }

  /** Enter the trap handler for `cause`, delegated as medeleg/mideleg say (pc = the trapping pc). */
  enterTrap(cause: number, tval: bigint, interrupt: boolean): void {
    const deleg = interrupt ? this.mideleg : this.medeleg;
    const toS = this.priv <= PRIV_S && ((deleg >>> cause) & 1) === 1;
    const epc = this.pcBig();
    const causeVal = causeValue(cause, interrupt);
    if (tval < 0n || tval > MASK64) tval &= MASK64; // compared first: no BigInt made when in range
    const s = this.mstatus;
    if (toS) {
      this.sepc = epc;
      this.scause = causeVal;
      this.stval = tval;
      const spie = s & MSTATUS.SIE ? MSTATUS.SPIE : 0;
      const spp = this.priv === PRIV_S ? MSTATUS.SPP : 0;
      this.mstatus = (s & ~(MSTATUS.SPIE | MSTATUS.SIE | MSTATUS.SPP)) | spie | spp;
      this.priv = PRIV_S;
      this.setPc(trapVector(this.stvec, cause, interrupt));
    } else {
      this.mepc = epc;
      this.mcause = causeVal;
      this.mtval = tval;
      this.triggers.trapToM();
      const mpie = s & MSTATUS.MIE ? MSTATUS.MPIE : 0;
      this.mstatus = (s & ~(MSTATUS.MPIE | MSTATUS.MIE | MSTATUS.MPP)) | mpie | (this.priv << 11);
      this.priv = PRIV_M;
      this.setPc(trapVector(this.mtvec, cause, interrupt));
    }
    this.clearReservation();
    this.hostTlb.flush();
    this.waiting = false;
    this.traps++;
    if (this.priv === this.exitOnTrapTo) this.yieldRequested = true;
    for (const l of this.trapListeners) l(this, cause, tval, interrupt);
  }

  /** The interrupt to take now (spec priority, enables and delegation), or -1. */
  pendingInterrupt(): number {
    const pend = (this.mipSw | this.mipHw) & this.mie;
    if (pend === 0) return -1;
    const mOn = this.priv < PRIV_M || (this.mstatus & MSTATUS.MIE) !== 0;
    const sOn = this.priv < PRIV_S || (this.priv === PRIV_S && (this.mstatus & MSTATUS.SIE) !== 0);
    const mPend = pend & ~this.mideleg;
    const sPend = pend & this.mideleg;
    for (const irq of IRQ_PRIORITY) if (mOn && (mPend >>> irq) & 1) return irq;
    for (const irq of IRQ_PRIORITY) if (sOn && (sPend >>> irq) & 1) return irq;
    return -1;
  }

  /** Take a pending interrupt if one is enabled; wake from wfi when any is pending in mie. */
  takeInterrupt(): boolean {
    if (this.waiting && ((this.mipSw | this.mipHw) & this.mie) !== 0) this.waiting = false;
    const irq = this.pendingInterrupt();
    if (irq < 0) return false;
    this.enterTrap(irq, 0n, true);
    return true;
  }

  /** mret: return to mstatus.MPP. */
  mret(): void {
    if (this.priv < PRIV_M) this.illegalHere();
    const s = this.mstatus;
    const mpp = (s & MSTATUS.MPP) >>> 11;
    let next = (s & ~(MSTATUS.MIE | MSTATUS.MPP)) | MSTATUS.MPIE;
    if (s & MSTATUS.MPIE) next |= MSTATUS.MIE;
    if (mpp !== PRIV_M) next &= ~MSTATUS.MPRV;
    this.mstatus = next;
    this.priv = mpp;
    this.setPc(this.mepc);
    this.triggers.mret();
    this.afterXret();
  }

  /** sret: return to sstatus.SPP (illegal in U-mode, and in S-mode when TSR is set). */
  sret(): void {
    if (this.priv < PRIV_S || (this.priv === PRIV_S && this.mstatus & MSTATUS.TSR)) this.illegalHere();
    const s = this.mstatus;
    const spp = s & MSTATUS.SPP ? PRIV_S : PRIV_U;
    let next = (s & ~(MSTATUS.SIE | MSTATUS.SPP | MSTATUS.MPRV)) | MSTATUS.SPIE;
    if (s & MSTATUS.SPIE) next |= MSTATUS.SIE;
    this.mstatus = next;
    this.priv = spp;
    this.setPc(this.sepc);
    this.afterXret();
  }

  private afterXret(): void {
    this.clearReservation();
    this.hostTlb.flush();
  }

  /** ecall, without unwinding: the trap is entered (pc at its handler); the caller goes on as
   *  after a caught TRAP (the interpreter's FAULT). */
  ecallEnter(): void {
    const cause = this.priv === PRIV_U ? CAUSE.ECALL_U : this.priv === PRIV_S ? CAUSE.ECALL_S : CAUSE.ECALL_M;
    this.enterTrap(cause, 0n, false);
  }

  // ---- guarded slow paths ----
  // A TRAP thrown through the interpreter's run() costs V8 a search of run()'s whole bytecode
  // offset table while run() is baseline (Sparkplug) code, as the starter variant always is:
  // about 30 us a trap under load (perf: BaselineFrame::GetBytecodeOffset and
  // GetPCForBytecodeOffset; 20,000 demand-paging faults spent 0.64 s in raise). The guarded
  // forms enter the trap and set `faulted` instead; run() then takes the trap as its catch
  // would (interp.ts, FAULT), and so does translated code's glue (jit/translator.ts). A page
  // fault, the trap of demand paging, is entered with no throw at all (translateGuarded: a
  // throw caught even a frame up costs V8 ~8,000 host instructions); the rarer traps (access
  // faults, misaligned accesses, triggers) are thrown and caught in the guarded form's frame.

  /** 1 after a guarded slow path trapped (the trap entered), until the interpreter takes it. */
  faulted = 0;

  /** loadSlow, with a trap entered and reported in `faulted` instead of thrown. */
  loadGuarded(lo: number, hi: number, width: 1 | 2 | 4 | 8, signed: boolean): number {
    try {
      return this.loadAccess(lo, hi, width, signed);
    } catch (e) {
      if (e !== TRAP) throw e;
      this.faulted = 1;
      return 0;
    }
  }

  /** fetchSlow, with a trap entered and reported in `faulted` instead of thrown (then the empty
   *  decode page is returned). */
  fetchGuarded(lo: number, hi: number): Int32Array {
    try {
      return this.fetchAccess(lo, hi);
    } catch (e) {
      if (e !== TRAP) throw e;
      this.faulted = 1;
      return this.code.empty;
    }
  }

  /** storeSlow, with a trap entered and reported in `faulted` instead of thrown. */
  storeGuarded(lo: number, hi: number, width: 1 | 2 | 4 | 8, vlo: number, vhi: number): void {
    try {
      this.storeAccess(lo, hi, width, vlo, vhi);
    } catch (e) {
      if (e !== TRAP) throw e;
      this.faulted = 1;
    }
  }

  /** A guarded path's `faulted`, as a throw: for the callers that take traps as thrown TRAPs. */
  private rethrowFault(): void {
    if (this.faulted === 0) return;
    this.faulted = 0;
    throw TRAP;
  }

  /** wfi: sleep until an interrupt is pending (TW and U-mode make it illegal). */
  wfi(): void {
    if (this.priv === PRIV_U || (this.priv === PRIV_S && this.mstatus & MSTATUS.TW)) this.illegalHere();
    this.waiting = true;
  }

  sfenceVma(s1: number, s2: number): void {
    if (this.priv === PRIV_U || (this.priv === PRIV_S && this.mstatus & MSTATUS.TVM)) this.illegalHere();
    const va = s1 === 0 ? undefined : this.reg(s1 / 2);
    const asid = s2 === 0 ? undefined : Number(this.reg(s2 / 2) & 0xffffn);
    this.sfenceLocal(va, asid);
  }

  fenceI(): void {
    this.code.flush();
  }

  /** Illegal-instruction trap with the encoding in tval. */
  illegal(bits: number, len: number): never {
    this.raise(CAUSE.ILLEGAL, len === 2 ? bits & 0xffff : bits >>> 0);
  }

  /** Illegal-instruction trap for the instruction at pc (re-reads its bits for tval). */
  illegalHere(): never {
    this.raise(CAUSE.ILLEGAL, this.insnBitsAtPc());
  }

  private insnBitsAtPc(): number {
    try {
      const pa = this.translate(this.pcLo, this.pcHi, "x");
      const off = this.mem.ramOffset(pa, 2);
      if (off < 0) return 0;
      const lo = this.mem.u16[off >>> 1]!;
      if ((lo & 3) !== 3) return lo;
      const off2 = this.mem.ramOffset(pa + 2, 2);
      return off2 < 0 ? lo : (lo | (this.mem.u16[off2 >>> 1]! << 16)) >>> 0;
    } catch {
      return 0;
    }
  }

  // ---- F and D state ----

  /** Raise FP exception flags: they accrue in fflags, and FS becomes Dirty. */
  fpFlags(flags: number): void {
    this.fflags |= flags;
    this.mstatus |= MSTATUS.FS;
  }

  /** An F/D instruction: illegal while FS is Off, or for a D instruction without D. (The
   *  interpreter marks FS Dirty itself once an instruction has written an f register.) */
  fpCheck(isD: boolean): void {
    if ((this.mstatus & MSTATUS.FS) === 0 || (isD && this.fsD === 0)) this.illegalHere();
  }

  // ---- translation and the memory slow paths ----

  /** The privilege that loads and stores use (MPRV makes M-mode use MPP). */
  dataPriv(): number {
    return this.priv === PRIV_M && this.mstatus & MSTATUS.MPRV
      ? (this.mstatus & MSTATUS.MPP) >>> 11
      : this.priv;
  }

  /** Physical address of the virtual address (lo, hi) for an access of `kind`, or a trap. */
  translate(lo: number, hi: number, kind: AccessKind): number {
    const priv = kind === "x" ? this.priv : this.dataPriv();
    if (this.translator !== null && priv < PRIV_M && this.satpMode !== 0) {
      return this.translator.translate(this, lo, hi, kind, priv);
    }
    this.hostSlot = this.translator?.dummySlot ?? 0;
    return (hi >>> 0) * 4294967296 + (lo >>> 0);
  }

  /** As translate(), but a page fault (or an access fault of the walk) is entered without a
   *  throw: then -1, with `faulted` set. The same modelled-TLB lookups, walks and fills. */
  private translateGuarded(lo: number, hi: number, kind: AccessKind): number {
    const priv = kind === "x" ? this.priv : this.dataPriv();
    const tr = this.translator;
    if (tr !== null && priv < PRIV_M && this.satpMode !== 0) {
      const pa = tr.probe(this, lo, hi, kind, priv);
      if (pa < 0) {
        this.enterTrap(tr.faultCause, toBig(lo, hi), false);
        this.faulted = 1;
      }
      return pa;
    }
    this.hostSlot = tr?.dummySlot ?? 0;
    return (hi >>> 0) * 4294967296 + (lo >>> 0);
  }

  /** Translate for the kernel: the physical address of (lo, hi), or -1 with the cause in
   *  `probeCause`. No trap is taken; the modelled TLB is used and filled as by any access. */
  probe(lo: number, hi: number, kind: AccessKind): number {
    const priv = kind === "x" ? this.priv : this.dataPriv();
    if (this.translator !== null && priv < PRIV_M && this.satpMode !== 0) {
      const pa = this.translator.probe(this, lo, hi, kind, priv);
      if (pa < 0) this.probeCause = this.translator.faultCause;
      return pa;
    }
    return (hi >>> 0) * 4294967296 + (lo >>> 0);
  }

  /** The cause of the last failed probe(). */
  probeCause = 0;

  /** sfence.vma on this hart only, with no privilege checks (the kernel's local flush; a
   *  shootdown calls it on every hart): va/asid undefined mean x0. The model drops what the
   *  fence covers, and its drops kill the host TLB's copies (Translator's host link), so the
   *  host TLB keeps everything else. */
  sfenceLocal(va: bigint | undefined, asid: number | undefined): void {
    if (this.translator) this.translator.sfence(this, va, asid);
    else this.hostTlb.flush();
  }

  /** Enter the page of (lo, hi) into the host TLB for `kind` (r or w), as a copy of the slot
   *  that served the last translation; and for the other data kind too where that slot serves
   *  it as a plain hit. A host hit is accounted as the modelled L1 hit it stands for, so a store
   *  after a load of the page (or the reverse) no longer leaves translated code for nothing. */
  private hostFill(kind: AccessKind, lo: number, hi: number, ramPage: number): void {
    if (!this.hostTlbEnabled || this.triggers.data) return;
    const slot = this.hostSlot;
    this.hostTlb.fill(kind, lo, hi, ramPage, slot);
    const other = kind === "r" ? "w" : "r";
    if (other === "w" && this.mem.pageFlags[ramPage / 4096] !== 0) return; // stores there stay slow
    const tr = this.translator;
    if (tr === null || slot === tr.dummySlot || tr.serves(slot, other)) {
      this.hostTlb.fill(other, lo, hi, ramPage, slot);
    }
    // the wasm slow path may serve data accesses in this context now (not while a yield is
    // pending: the glue's store tells the region to exit then)
    if (tr !== null && slot !== tr.dummySlot && this.hostTlb.words[HOST_W.LIVE] === 0 && !this.yieldRequested)
      tr.arm(this);
  }

  /** Slow path of a naturally aligned or misaligned load; high word of the value in r.hi. */
  loadSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8, signed: boolean): number {
    const v = this.loadAccess(lo, hi, width, signed);
    this.rethrowFault();
    return v;
  }

  /** loadSlow, but a page fault entered without a throw (0 returned, `faulted` set). */
  private loadAccess(lo: number, hi: number, width: 1 | 2 | 4 | 8, signed: boolean): number {
    if (this.triggers.data) this.triggers.checkData(lo, hi, width, TRIG_LOAD);
    if ((lo & (width - 1)) !== 0) return this.misalignedLoad(lo, hi, width, signed);
    const pa = this.translateGuarded(lo, hi, "r");
    if (pa < 0) return 0;
    const off = this.mem.ramOffset(pa, width);
    if (off >= 0) {
      this.hostFill("r", lo, hi, off - (off % 4096));
      return this.readRam(off, width, signed);
    }
    const dev = this.mem.deviceAt(pa, width);
    if (!dev) this.raise(CAUSE.LOAD_ACCESS, toBig(lo, hi));
    const v = dev.read(pa - dev.base, width);
    return splitBig(signed ? BigInt.asIntN(width * 8, v) : v);
  }

  /** Slow path of a store of (vlo, vhi)'s low `width` bytes. */
  storeSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8, vlo: number, vhi: number): void {
    this.storeAccess(lo, hi, width, vlo, vhi);
    this.rethrowFault();
  }

  /** storeSlow, but a page fault entered without a throw (`faulted` set). */
  private storeAccess(lo: number, hi: number, width: 1 | 2 | 4 | 8, vlo: number, vhi: number): void {
    if (this.triggers.data) this.triggers.checkData(lo, hi, width, TRIG_STORE);
    if ((lo & (width - 1)) !== 0) {
      this.misalignedStore(lo, hi, width, vlo, vhi);
      return;
    }
    const pa = this.translateGuarded(lo, hi, "w");
    if (pa < 0) return;
    const off = this.mem.ramOffset(pa, width);
    if (off >= 0) {
      this.writeRam(off, width, vlo, vhi);
      const page = off - (off % 4096);
      if (this.mem.pageFlags[page / 4096] === 0) this.hostFill("w", lo, hi, page);
      else this.storeHooks(pa, off, width);
      return;
    }
    const dev = this.mem.deviceAt(pa, width);
    if (!dev) this.raise(CAUSE.STORE_ACCESS, toBig(lo, hi));
    dev.write(pa - dev.base, width, BigInt.asUintN(width * 8, toBig(vlo, vhi)));
  }

  /** The kernel (TypeScript) wrote [off, off+len) of RAM, within one page, without a store
   *  instruction (copy_to_user, loading a program): the bookkeeping a store does — decoded
   *  instructions of that page dropped, LR reservations broken, watchpoints told. */
  kernelStore(off: number, len: number): void {
    if (this.mem.pageFlags[Math.floor(off / 4096)] !== 0) this.storeHooks(off + RAM_BASE, off, len);
  }

  /** A store landed in a flagged page: keep the decode cache, reservations and devices right. */
  private storeHooks(pa: number, off: number, width: number): void {
    const flags = this.mem.pageFlags[Math.floor(off / 4096)]!;
    if (flags & PG_CODE) this.code.invalidate(off, width);
    if (flags & PG_RESV) this.breakReservations(pa, width);
    if (flags & PG_WATCH) this.host.watchedStore(this, pa, width);
  }

  private readRam(off: number, width: number, signed: boolean): number {
    const m = this.mem;
    switch (width) {
      case 1:
        r.hi = 0;
        return signed ? m.i8[off]! : m.u8[off]!;
      case 2:
        r.hi = 0;
        return signed ? m.i16[off >>> 1]! : m.u16[off >>> 1]!;
      case 4:
        r.hi = 0;
        return m.i32[off >>> 2]!;
      default:
        r.hi = m.i32[(off >>> 2) + 1]!;
        return m.i32[off >>> 2]!;
    }
  }

  private writeRam(off: number, width: number, vlo: number, vhi: number): void {
    const m = this.mem;
    if (width === 1) m.u8[off] = vlo;
    else if (width === 2) m.u16[off >>> 1] = vlo;
    else {
      m.i32[off >>> 2] = vlo;
      if (width === 8) m.i32[(off >>> 2) + 1] = vhi;
    }
  }

  /** Misaligned loads are emulated byte by byte (each byte translated; RAM only). */
  private misalignedLoad(lo: number, hi: number, width: number, signed: boolean): number {
    const base = toBig(lo, hi);
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) {
      const off = this.byteOffset(base + BigInt(i), "r");
      v = (v << 8n) | BigInt(this.mem.u8[off]!);
    }
    return splitBig(signed ? BigInt.asIntN(width * 8, v) : v);
  }

  /** Misaligned stores: every byte is translated before any is written, so a fault writes nothing. */
  private misalignedStore(lo: number, hi: number, width: number, vlo: number, vhi: number): void {
    const base = toBig(lo, hi);
    const v = toBig(vlo, vhi);
    const offs: number[] = [];
    for (let i = 0; i < width; i++) offs.push(this.byteOffset(base + BigInt(i), "w"));
    offs.forEach((off, i) => {
      this.mem.u8[off] = Number((v >> BigInt(8 * i)) & 0xffn);
      if (this.mem.pageFlags[Math.floor(off / 4096)]) this.storeHooks(off + RAM_BASE, off, 1);
    });
  }

  /** RAM offset of the byte at virtual address `va`, or an access fault. */
  private byteOffset(va: bigint, kind: AccessKind): number {
    const w = BigInt.asUintN(64, va);
    const lo = splitBig(w);
    const pa = this.translate(lo, r.hi, kind);
    const off = this.mem.ramOffset(pa, 1);
    if (off < 0) this.raise(kind === "r" ? CAUSE.LOAD_ACCESS : CAUSE.STORE_ACCESS, w);
    return off;
  }

  /** Fetch slow path: translate pc's page, return its decode page (fetch faults trap). */
  fetchSlow(lo: number, hi: number): Int32Array {
    const dc = this.fetchAccess(lo, hi);
    this.rethrowFault();
    return dc;
  }

  /** fetchSlow, but a page fault entered without a throw (the empty decode page returned,
   *  `faulted` set). */
  private fetchAccess(lo: number, hi: number): Int32Array {
    const pa = this.translateGuarded(lo, hi, "x");
    if (pa < 0) return this.code.empty;
    const off = this.mem.ramOffset(pa, 2);
    if (off < 0) this.raise(CAUSE.FETCH_ACCESS, toBig(lo, hi));
    const page = off - (off % 4096);
    const dc = this.code.page(page);
    if (this.hostTlbEnabled) this.hostTlb.fillFetch(lo, hi, page, this.hostSlot, dc);
    this.fetchBase = page;
    return dc;
  }

  /** Decode the instruction at pc into slot `i` of `dc`; returns its op. */
  decodeSlot(dc: Int32Array, i: number, pcLo: number, pcHi: number, fBase: number): number {
    const off = fBase + (pcLo & 4095);
    let word = this.mem.u16[off >>> 1]!;
    if ((word & 3) !== 3) return this.code.fill(dc, i, word);
    if ((pcLo & 4095) !== 4094) return this.code.fill(dc, i, word | (this.mem.u16[(off >>> 1) + 1]! << 16));
    // The instruction straddles two pages: fetch its upper half through the next page's
    // translation, and do not cache it (that mapping can change independently).
    const lo2 = (pcLo + 2) | 0;
    const hi2 = (pcHi + (lo2 >>> 0 < pcLo >>> 0 ? 1 : 0)) | 0;
    const pa2 = this.translate(lo2, hi2, "x");
    const off2 = this.mem.ramOffset(pa2, 2);
    if (off2 < 0) this.raise(CAUSE.FETCH_ACCESS, toBig(lo2, hi2));
    word |= this.mem.u16[off2 >>> 1]! << 16;
    this.straddleWord = word >>> 0;
    const op = this.code.fill(dc, i, word);
    dc[i] = 0;
    return op;
  }

  // ---- LR/SC and AMOs ----

  /** Execute an LR, SC or AMO; `d`, `s1`, `s2` are register pair indices. */
  amo(name: string, d: number, s1: number, s2: number): void {
    const width = name.endsWith(".w") ? 4 : 8;
    const lo = this.x[s1]!;
    const hi = this.x[s1 + 1]!;
    const va = toBig(lo, hi);
    const op = name.slice(0, -2);
    const isLr = op === "lr";
    if (this.triggers.data) {
      this.triggers.checkData(
        lo,
        hi,
        width,
        isLr ? TRIG_LOAD : op === "sc" ? TRIG_STORE : TRIG_LOAD | TRIG_STORE,
      );
    }
    if ((lo & (width - 1)) !== 0) this.raise(isLr ? CAUSE.LOAD_MISALIGNED : CAUSE.STORE_MISALIGNED, va);
    const pa = this.translate(lo, hi, isLr ? "r" : "w");
    const off = this.mem.ramOffset(pa, width);
    if (off < 0) this.raise(isLr ? CAUSE.LOAD_ACCESS : CAUSE.STORE_ACCESS, va);
    const bits = BigInt(width * 8);
    const old = BigInt.asIntN(width * 8, this.mem.readRam(off, width));
    const src = BigInt.asIntN(width * 8, toBig(this.x[s2]!, this.x[s2 + 1]!));
    let result: bigint;
    if (isLr) {
      this.reserve(pa);
      result = old;
    } else if (op === "sc") {
      const ok = this.resv === pa;
      this.clearReservation();
      if (ok) this.storeAtomic(pa, off, width, src);
      result = ok ? 0n : 1n;
    } else {
      this.storeAtomic(pa, off, width, amoApply(op, old, src, bits));
      result = old;
    }
    if (d !== X0_SINK) this.setReg(d / 2, result);
  }

  private storeAtomic(pa: number, off: number, width: number, v: bigint): void {
    this.mem.writeRam(off, width, v);
    if (this.mem.pageFlags[Math.floor(off / 4096)]) this.storeHooks(pa, off, width);
  }

  /** Place this hart's reservation on `pa`; stores to its page then take the slow path. */
  private reserve(pa: number): void {
    this.clearReservation();
    this.resv = pa;
    const page = this.mem.ramOffset(pa, 1);
    const i = Math.floor(page / 4096);
    if (!(this.mem.pageFlags[i]! & PG_RESV)) {
      this.mem.pageFlags[i]! |= PG_RESV;
      for (const h of this.host.harts) h.hostTlb.dropRamPage("w", i * 4096);
    }
  }

  clearReservation(): void {
    if (this.resv < 0) return;
    const page = Math.floor(this.mem.ramOffset(this.resv, 1) / 4096);
    this.resv = -1;
    const stillUsed = this.host.harts.some(
      (h) => h.resv >= 0 && Math.floor(this.mem.ramOffset(h.resv, 1) / 4096) === page,
    );
    if (!stillUsed) this.mem.pageFlags[page]! &= ~PG_RESV;
  }

  /** A store to [pa, pa+width) breaks every reservation whose doubleword it touches. */
  private breakReservations(pa: number, width: number): void {
    for (const h of this.host.harts) {
      if (h.resv >= 0 && h.resv < pa + width && pa < h.resv + 8) h.clearReservation();
    }
  }

  // ---- CSRs ----

  /** csrrw/rs/rc (kind 0/1/2) and their immediate forms (4/5/6). Returns true if it wrote a
   *  CSR whose writes end the interpreter's chunk (CsrEntry.endsChunk). */
  csrOp(kind: number, d: number, s1: number, imm: number, n: number): boolean {
    const csr = imm & 0xfff;
    const zimm = imm >>> 12;
    const isImm = kind >= 4;
    const op = kind & 3;
    const src = isImm ? BigInt(zimm) : toBig(this.x[s1]!, this.x[s1 + 1]!);
    const writes = csrWrites(kind, imm, s1);
    const entry = this.csrAccess(csr, writes);
    const old = entry.read(this, n);
    if (writes) {
      const v = op === 0 ? src : op === 1 ? old | src : old & ~src;
      entry.write?.(this, v & MASK64, n);
    }
    if (d !== X0_SINK) this.setReg(d / 2, old);
    return writes && entry.endsChunk;
  }

  /** The entry of `csr` if this access may happen: the CSR exists, the privilege suffices, a
   *  write is not to a read-only CSR, and the entry's own rule allows it; else illegal. */
  private csrAccess(csr: number, writes: boolean): CsrEntry {
    const e = csrTable()[csr];
    if (!e || e.priv > this.priv || (writes && e.readOnly) || (e.allowed && !e.allowed(this))) {
      this.illegalHere();
    }
    return e;
  }

  /** The value of `csr` (with `n` instructions of the current chunk counted), or undefined if
   *  there is no such CSR. No access check. */
  csrRead(csr: number, n = 1): bigint | undefined {
    return csrTable()[csr]?.read(this, n);
  }

  /** Write `v` to `csr` with its WARL rules. No access check; writes to a read-only or unknown
   *  CSR change nothing. */
  csrWrite(csr: number, v: bigint, n = 1): void {
    csrTable()[csr]?.write?.(this, v, n);
  }

  /** satp: a write with an unsupported MODE has no effect (privileged spec, satp). */
  writeSatp(v: bigint): void {
    const mode = Number(v >> SATP_MODE_SHIFT);
    if (mode !== 0 && !this.translator?.modes.includes(mode)) return;
    this.satp = v;
    this.satpMode = mode;
    this.hostTlb.flush(); // Bare <-> paged takes effect at once; the modelled TLB is not flushed
  }

  /** menvcfg.ADUE: Svadu hardware A/D updating. */
  get menvcfgAdue(): boolean {
    return (this.menvcfg & MENVCFG_ADUE) !== 0n;
  }
}

const TWO53 = 1n << 53n;

/** xcause values of the exceptions and of the interrupts, made once (a trap makes none). */
const EXC_CAUSES: readonly bigint[] = Array.from({ length: 64 }, (_, i) => BigInt(i));
const IRQ_CAUSES: readonly bigint[] = Array.from({ length: 64 }, (_, i) => (1n << 63n) | BigInt(i));

/** The xcause value of exception or interrupt `cause`. */
function causeValue(cause: number, interrupt: boolean): bigint {
  const v = (interrupt ? IRQ_CAUSES : EXC_CAUSES)[cause];
  if (v === undefined) throw new Error(`hart: trap cause ${cause} out of range`);
  return v;
}

/** The handler's address for a trap through xtvec `tvec`: its base, or in vectored mode (MODE
 *  1) base + 4 * cause for an interrupt. */
function trapVector(tvec: bigint, cause: number, interrupt: boolean): bigint {
  // below 2^53 the double is exact and its low bits are MODE's: no BigInt made
  const mode = tvec >= 0n && tvec < TWO53 ? Number(tvec) % 4 : Number(tvec & 3n);
  const base = mode === 0 ? tvec : tvec - BigInt(mode);
  return mode === 1 && interrupt ? base + BigInt(4 * cause) : base;
}

/** The new memory value of AMO `op` (without suffix) on `bits`-wide operands. */
function amoApply(op: string, old: bigint, src: bigint, bits: bigint): bigint {
  const u = (v: bigint): bigint => BigInt.asUintN(Number(bits), v);
  switch (op) {
    case "amoswap":
      return src;
    case "amoadd":
      return old + src;
    case "amoxor":
      return old ^ src;
    case "amoand":
      return old & src;
    case "amoor":
      return old | src;
    case "amomin":
      return old < src ? old : src;
    case "amomax":
      return old > src ? old : src;
    case "amominu":
      return u(old) < u(src) ? old : src;
    case "amomaxu":
      return u(old) > u(src) ? old : src;
  }
  throw new Error(`amoApply: unknown AMO ${op}`);
}

/** Trap cause for an access fault of `kind`. */
export function accessFaultCause(kind: AccessKind): number {
  return kindCause(kind, CAUSE.LOAD_ACCESS, CAUSE.STORE_ACCESS, CAUSE.FETCH_ACCESS);
}

/** Trap cause for a page fault of `kind`. */
export function pageFaultCause(kind: AccessKind): number {
  return kindCause(kind, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT, CAUSE.FETCH_PAGE_FAULT);
}
