// Warming the interpreter: the first time a variant of the generated interpreter (interp.ts) is
// called, before it runs anything of the user's machine, every op is executed a few times on a
// scratch hart with its own small RAM, so that V8 has type feedback for every case, both ways of
// every branch and every slow path before it optimizes the loop. Optimized code meeting a path
// that had no feedback when it was compiled is thrown away ("insufficient type feedback",
// docs/reference/emulators.md), and every inline cache that records new feedback restarts the
// count of ticks V8 waits for before optimizing (--reset-ticks-on-ic-update): a real program
// meets its ops one by one over millions of instructions, so without this the loop is optimized
// late and deoptimized again and again.
//
// The warm-up changes nothing a user can see: it runs on its own hart, RAM, decode cache and
// TLB model, never on the machine the user runs, so every counter and all output stay as they
// were. It writes the decode cache's slots directly (op, registers, immediate, length: the
// format of code.ts), so it needs neither the assembler nor the decoder. It costs about 50-60 ms
// of CPU per variant on the development machine under load (node -e 0 took 0.13-0.2 s there),
// part of it compiling to bytecode functions a program needs anyway.
//
// A process's first instructions (interp.ts, STARTER_INSNS: 100,000 under the `mmlab` command,
// which lets the starter tell V8 never to optimize it; 2,000 elsewhere) run on starter variants,
// which are never warmed: a short program (a hello world, the glibc one's 7,643 instructions)
// ends before the warm-up would have paid off, and pays neither it nor TurboFan's compile.
// The warmed variant is then a function of its own, called first when the starter's share is
// used up, so it is still warmed at its first call, as below.
//
// Why at the first call, not later (measured with --trace-opt --trace-deopt on bench_coremark,
// docs/performance.md): warming after the program's first 1,000 instructions (so that tiny
// programs would skip it), V8 marked run_paged hot during the warm-up, from the program's ticks
// plus the warm-up's own, and compiled it with half the warm-up's feedback: it was deoptimized
// in 5 runs out of 5 (after 10,000 instructions: 2 out of 5); warming at the first call, in
// none of 6.

import {
  DEFAULT_TLB_PRESET,
  loadTlbConfig,
  type MmioDevice,
  mapLeaf,
  PhysMem,
  PTE_AD,
  PTE_RWX,
  RAM_BASE,
  SV48,
  type TlbConfig,
  tlbArenaBytes,
} from "../mmu/index.js";
import { CodeCache, rdPair, SLOT_WORDS } from "./code.js";
import { CSR, MSTATUS, PRIV_M, PRIV_S } from "./csr.js";
import { HART_ARENA_BYTES, Hart, type HartHost } from "./hart.js";
import type { ColdFn, Interpreter, RunFn } from "./interp.js";
import { insnInfo, MNEMONICS, type Mnemonic, OP_ILLEGAL, OPS } from "./isa.js";
import { Paging } from "./paging.js";
import { JIT_WORDS_BYTES } from "./trap.js";

const PAGES = 64;
const CODE_A = RAM_BASE; // the program
const CODE_B = RAM_BASE + 0x1000; // a detour, so fetches change pages both ways
const DATA = RAM_BASE + 0x2000; // one page per memory-accessing instruction, from here
const TABLES = RAM_BASE + 0x30000; // page tables of the paged warm-up
const DEVICE = 0x2000_0000; // a store here asks the interpreter to yield, as a CLINT write does

// Registers: x10 the destination; x11, x12 operands (set per pass); x5 the common data page
// (atomics); x6 the device; x13 jalr's target; x14.. one data page per load/store op.
const RD = 10;
const A1 = 11;
const A2 = 12;
const BASE_COMMON = 5;
const BASE_DEV = 6;
const JALR_TARGET = 13;
const FS_MASK_REG = 7;
/** cold() calls per group before the passes: 500 and 1,000 were measured enough on Node 20.20
 *  (V8 11.3), whose budget before a function gets its feedback vector is 8 × its bytecode size
 *  (--interrupt-budget-factor-for-feedback-allocation); 64 was not. Made directly (primeCold),
 *  1,000 made V8 optimize cold()'s F/D group during the warm-up (0.3-0.6 s of TurboFan in the
 *  demo, which has no F/D op); 500 does not. */
const PRIME_LOOPS = 500;
/** A loop of integer code (x9 counts its passes) that the jit variants' warm-up translates
 *  (threshold WARM_HOT) and then enters, after the passes (runJitLoop): the interpreter's
 *  paths into the translator (heat, hot(), enter(), decay()) get their feedback before V8
 *  optimizes it. At JIT_LOOP, in the detour's page. */
const JIT_REG = 9;
const WARM_HOT = 16;
const JIT_LOOP = CODE_B + 0x100;
const FIRST_PAGE_REG = 14;

// F registers: f11..f13 doubles, f21..f23 NaN-boxed singles; f10 the destination.
const FD = 10;
const F_D = [11, 12, 13];
const F_S = [21, 22, 23];

/** One pass of the program: the integer operands (x11, x12 as [lo, hi] words) and the three
 *  floating-point operands (f11-f13 as doubles, f21-f23 as singles). Between them every integer
 *  comparison is true and false with equal and different high words, every shift amount is 0,
 *  below 32 and above, every branch is taken and not taken, and the F/D ops meet ordinary
 *  numbers (their inline paths), zeros and signs, infinities and NaNs, and tiny and huge
 *  magnitudes (the ranges where the inline paths hand over to the helpers).
 */
interface Pass {
  x11: readonly [number, number];
  x12: readonly [number, number];
  f: readonly [number, number, number];
  /** Set FS to Initial before each F/D op (else it stays Dirty). */
  fsInitial: boolean;
}

/** The CSRs the program uses in its privilege: a scratch register and the status register. */
interface Csrs {
  scratch: number;
  status: number;
}

const PASSES: readonly Pass[] = [
  { x11: [5, 1], x12: [3, 1], f: [1.5, 2.25, 3.75], fsInitial: true },
  { x11: [2, 0], x12: [40, 1], f: [-0, 7, -2.5], fsInitial: false },
  { x11: [-5, -1], x12: [0, 0], f: [Number.NaN, Number.POSITIVE_INFINITY, 1], fsInitial: true },
  { x11: [7, 0], x12: [7, 0], f: [1e-310, 1e300, -1e-40], fsInitial: false },
];

/** One instruction of the warm-up program, as a decode-cache slot. */
interface Slot {
  op: number;
  a: number;
  imm: number;
}

function slot(name: Mnemonic | "illegal", d: number, s1 = 0, s2 = 0, imm = 0, s3 = 0): Slot {
  const op = name === "illegal" ? OP_ILLEGAL : OPS[name];
  return { op, a: d | (s1 << 7) | (s2 << 14) | (s3 << 21), imm };
}

/** rd as the interpreter's pair index (x0: the sink), and rs as 2r. */
const xd = (r: number): number => rdPair(r);
const xs = (r: number): number => 2 * r;

/** The source precision of an F/D op ("fcvt.s.d" reads a double, "fmv.x.w" a single). */
function srcRegs(name: string): number[] {
  const parts = name.split(".");
  const last = parts[parts.length - 1];
  return last === "d" ? F_D : F_S;
}

/** The slots that exercise op `name` in the program (several for the ones with inner paths). */
function slotsFor(name: Mnemonic, nextReg: () => number, scratchCsr: number): Slot[] {
  const { format } = insnInfo(OPS[name]);
  const f = (r: number): number => 2 * r;
  switch (format) {
    case "R":
      return [slot(name, xd(RD), xs(A1), xs(A2))];
    case "I":
      return [slot(name, xd(RD), xs(A1), 0, 5), slot(name, xd(RD), xs(A1), 0, -7)];
    case "SH": {
      const amounts = name.endsWith("w") ? [0, 5] : [0, 5, 40];
      return amounts.map((sh) => slot(name, xd(RD), xs(A1), 0, sh));
    }
    case "L": {
      const base = nextReg();
      return [slot(name, xd(RD), xs(base), 0, 0), slot(name, xd(RD), xs(base), 0, 8)];
    }
    case "S": {
      const base = nextReg();
      return [slot(name, 0, xs(base), xs(A1), 0), slot(name, 0, xs(base), xs(A1), 8)];
    }
    case "B":
      // Taken, it skips the nop that follows.
      return [slot(name, 0, xs(A1), xs(A2), 8), slot("addi", xd(0), 0, 0, 0)];
    case "U":
      return [slot(name, xd(RD), 0, 0, 0x12345000)];
    case "J":
      return [slot(name, xd(1), 0, 0, 4)];
    case "JR":
      return [slot(name, xd(1), xs(JALR_TARGET), 0, 0)];
    case "CSR":
      return [slot(name, xd(RD), xs(A1), 0, scratchCsr), slot(name, xd(RD), 0, 0, CSR.fcsr)];
    case "CSRI":
      return [slot(name, xd(RD), 0, 0, scratchCsr | (5 << 12))];
    case "FENCE":
      return [slot(name, 0)];
    case "LR":
      return [slot(name, xd(RD), xs(BASE_COMMON))];
    case "AMO":
      return [slot(name, xd(RD), xs(BASE_COMMON), xs(A1))];
    case "FL": {
      const base = nextReg();
      return [slot(name, f(FD), xs(base), 0, 0), slot(name, f(FD), xs(base), 0, 8)];
    }
    case "FS": {
      const base = nextReg();
      const src = f((name === "fsd" ? F_D : F_S)[0]!);
      return [slot(name, 0, xs(base), src, 0), slot(name, 0, xs(base), src, 8)];
    }
    case "FR":
    case "FR4":
    case "F1":
    case "FX":
    case "XF": {
      const [r1, r2, r3] = format === "XF" ? [A1, 0, 0] : srcRegs(name);
      const d = format === "FX" ? xd(RD) : f(FD);
      const s1 = format === "XF" ? xs(r1!) : f(r1!);
      // Round to nearest (the inline paths), towards zero (the helpers) and dynamic (frm).
      return [0, 1, 7].map((rm) => slot(name, d, s1, f(r2!), rm, f(r3!)));
    }
    case "FRN":
    case "FCMP":
    case "FXN":
    case "XFN": {
      const [r1, r2] = srcRegs(name);
      const d = format === "FRN" || format === "XFN" ? f(FD) : xd(RD);
      const s1 = format === "XFN" ? xs(A1) : f(r1!);
      return [slot(name, d, s1, f(r2!))];
    }
    case "SFENCE":
    case "NONE":
      return [];
  }
}

/** The warm-up program: its slots by address, the address of its end (a jump to itself), of
 *  the slot left for the interpreter to decode, and where mret and sret return to. */
interface Program {
  slots: Map<number, Slot>;
  end: number;
  decodeAt: number;
  jalrNext: number;
  mretNext: number;
  sretNext: number;
}

/** A jump to page B and back, every op, the stores that yield, the traps and the ops that end a
 *  chunk, then the end. */
function program(csrs: Csrs): Program {
  const slots = new Map<number, Slot>();
  let pc = CODE_A;
  const put = (s: Slot): number => {
    slots.set(pc, s);
    pc += 4;
    return pc;
  };
  put(slot("jal", xd(0), 0, 0, CODE_B - pc));
  slots.set(CODE_B, slot("addi", xd(RD), xs(A1), 0, 1));
  slots.set(CODE_B + 4, slot("jal", xd(0), 0, 0, pc - (CODE_B + 4)));
  const decodeAt = pc;
  pc += 4; // left empty: the interpreter decodes the nop the RAM holds here
  let reg = FIRST_PAGE_REG;
  const nextReg = (): number => reg++;
  const last: Mnemonic[] = ["ecall", "ebreak", "mret", "wfi", "sfence.vma", "sret", "fence.i"];
  let jalrNext = 0;
  for (const name of MNEMONICS) {
    if (last.includes(name)) continue;
    const fp = insnInfo(OPS[name]).ext === "F" || insnInfo(OPS[name]).ext === "D";
    for (const s of slotsFor(name, nextReg, csrs.scratch)) {
      // Before each F/D op, FS goes from Dirty to Initial (x7 = its bit 14) in the passes that
      // say so: the op then takes its path through the FS check and marks FS Dirty again.
      if (fp) put(slot("csrrc", xd(0), xs(FS_MASK_REG), 0, csrs.status));
      const next = put(s);
      if (name === "jalr") jalrNext = next;
    }
  }
  for (const name of ["sb", "sh", "sw", "sd", "fsw", "fsd"] as const) {
    const src = name === "fsw" ? 2 * F_S[0]! : name === "fsd" ? 2 * F_D[0]! : xs(A1);
    put(slot(name, 0, xs(BASE_DEV), src, 0));
  }
  put(slot("illegal", 0));
  let mretNext = 0;
  let sretNext = 0;
  for (const name of last) {
    const next = put(slot(name, 0));
    if (name === "mret") mretNext = next;
    if (name === "sret") sretNext = next;
  }
  const end = pc;
  put(slot("jal", xd(0), 0, 0, 0));
  return { slots, end, decodeAt, jalrNext, mretNext, sretNext };
}

/** One op of each group function of cold() (interp.ts COLD_GROUPS): csrrs of fcsr with x0,
 *  which reads and writes nothing; fsgnj.d; div; lr.d on the common data page. */
const PRIMED: readonly Slot[] = [
  slot("csrrs", xd(RD), 0, 0, CSR.fcsr),
  slot("fsgnj.d", 2 * FD, 2 * F_D[0]!, 2 * F_D[0]!),
  slot("div", xd(RD), xs(A1), xs(A2)),
  slot("lr.d", xd(RD), xs(BASE_COMMON)),
];

/** Before the passes, PRIME_LOOPS calls of cold() for each PRIMED op, made directly, not
 *  through run(): V8 gives a function its feedback vector only after it has run for a while
 *  (--lazy-feedback-allocation), and the cold functions, which have no loop of their own, would
 *  record nothing in the passes (measured: with --no-lazy-feedback-allocation, or this priming,
 *  the real-program suite meets no deoptimization of cold(); without either, bench_fp meets 8).
 *  Not through run(), as it was: that loop's ticks made V8 mark run() hot in the middle of it,
 *  before the passes (--trace-opt: run_bare and run_paged both), and build its optimized code
 *  from the feedback of the loop's few ops; run_bare was then deoptimized at the first branch of
 *  bench_bare ("insufficient type feedback") and compiled again, every run. */
function primeCold(fn: RunFn, h: Hart, priv: number): void {
  const cold = (fn as RunFn & { cold?: ColdFn }).cold;
  if (!cold) throw new Error("interpreter warm-up: the variant has no cold()");
  resetHart(h, priv, PASSES[0]!, 0);
  h.setPc(BigInt(CODE_A));
  for (let i = 0; i < PRIME_LOOPS; i++) {
    for (const s of PRIMED) cold(h, s.op, s.a, s.imm, 4, CODE_A | 0, 0, 0);
  }
}

/** A device whose stores make the hart yield. */
function yieldDevice(h: () => Hart): MmioDevice {
  return {
    name: "warm-up",
    base: DEVICE,
    size: 4096,
    read: () => 0n,
    write: () => {
      h().yieldRequested = true;
    },
  };
}

/** A scratch hart on its own RAM: bare in M-mode, or paged (Sv48, identity-mapped) in S-mode. */
function scratchHart(tlb: TlbConfig, paged: boolean): Hart {
  // An arena with room for the hart, as a machine's: the views the loop meets have the same kind.
  const mem = new PhysMem(PAGES * 4096, HART_ARENA_BYTES + tlbArenaBytes(tlb) + JIT_WORDS_BYTES);
  const harts: Hart[] = [];
  const host: HartHost = {
    mem,
    code: new CodeCache(mem),
    harts,
    mtime: () => 0n,
    watchedStore: () => {},
  };
  const h = new Hart(0, host);
  harts.push(h);
  // fence.i drops the fetch entries as a Machine's does (machine.ts), or the loop would go on
  // fetching from the dropped decode pages (marked with regions the translator forgot).
  host.code.onFlush = () => h.hostTlb.flushKind("x");
  h.translator = new Paging(tlb, mem, h.hostTlb);
  mem.attach(yieldDevice(() => h));
  if (paged) {
    let next = (TABLES - RAM_BASE) / 4096;
    const alloc = (): number => (next < PAGES ? RAM_BASE / 4096 + next++ : -1);
    const root = alloc();
    const rwx = PTE_RWX | PTE_AD;
    for (let p = 0; p < (TABLES - RAM_BASE) / 4096; p++) {
      const pn = RAM_BASE / 4096 + p;
      mapLeaf(mem, SV48, root, pn, pn, 0, rwx, alloc);
    }
    mapLeaf(mem, SV48, root, DEVICE / 4096, DEVICE / 4096, 0, rwx, alloc);
    h.csrWrite(CSR.satp, (BigInt(SV48.satpMode) << 60n) | BigInt(root));
  }
  return h;
}

/** Run the program's passes on `h` with `fn`. */
function runPasses(fn: RunFn, h: Hart, priv: number, csrs: Csrs): void {
  const p = program(csrs);
  const mem = h.mem;
  const wordAt = (pa: number, w: number): void => {
    mem.i32[(pa - RAM_BASE) >>> 2] = w;
  };
  wordAt(p.decodeAt, 0x00000013); // addi x0, x0, 0: decoded by the interpreter itself
  wordAt(p.end, 0x0000006f); // jal x0, 0: the end, also once fence.i has dropped the slots
  for (const pass of PASSES) {
    for (const [pa, s] of p.slots) placeSlot(h, pa, s);
    resetHart(h, priv, pass, p.jalrNext);
    runToEnd(fn, h, priv, p);
  }
}

/** Write decode slot `s` (a 4-byte instruction) at physical address `pa` of `h`'s RAM. */
function placeSlot(h: Hart, pa: number, s: Slot): void {
  const off = pa - RAM_BASE;
  const dc = h.code.page(off - (off % 4096));
  const i = ((off & 4094) >> 1) * SLOT_WORDS;
  dc[i] = s.op;
  dc[i + 1] = s.a;
  dc[i + 2] = s.imm;
  dc[i + 3] = 4;
}

/** mstatus during the warm-up: FP on, mret returns to M, sret to S. */
const MSTATUS_WARM = MSTATUS.FS | (PRIV_M << 11) | MSTATUS.SPP;

/** The hart's state at the start of a pass. */
function resetHart(h: Hart, priv: number, pass: Pass, jalrNext: number): void {
  h.x.fill(0);
  h.x.set(pass.x11, 2 * A1);
  h.x.set(pass.x12, 2 * A2);
  const set = (r: number, v: number): void => h.setReg(r, BigInt(v));
  set(BASE_COMMON, DATA);
  set(BASE_DEV, DEVICE);
  set(JALR_TARGET, jalrNext);
  set(FS_MASK_REG, pass.fsInitial ? 0x4000 : 0);
  for (let r = FIRST_PAGE_REG; r < 32; r++) set(r, DATA + 0x1000 * (r - FIRST_PAGE_REG + 1));
  F_D.forEach((r, i) => {
    h.f[r] = pass.f[i]!;
  });
  F_S.forEach((r, i) => {
    h.f32[2 * r] = pass.f[i]!;
    h.fi[2 * r + 1] = -1;
  });
  h.priv = priv;
  h.exitOnTrapTo = PRIV_M;
  h.mstatus = MSTATUS_WARM;
  h.setPc(BigInt(CODE_A));
}

/** Run until the pc reaches the end. Every trap goes to M-mode and ends the chunk; the pass goes
 *  on at the next instruction with its own privilege. */
function runToEnd(fn: RunFn, h: Hart, priv: number, p: Program): void {
  for (let guard = 0; guard < 1000; guard++) {
    const pc = Number(h.pcBig());
    if (pc === p.end) return;
    h.mepc = BigInt(p.mretNext);
    h.sepc = BigInt(p.sretNext);
    const traps = h.traps;
    // Budget: the slots left, so the run stops in the end's jump-to-self after a few laps.
    fn(h, Math.max(1, (p.end - pc) / 4 + 1));
    if (h.traps !== traps) {
      h.setPc(h.mepc + 4n);
      h.priv = priv;
      h.mstatus = MSTATUS_WARM;
    }
    h.yieldRequested = false;
    h.waiting = false;
  }
  throw new Error("interpreter warm-up: the program did not reach its end");
}

const warmed = new WeakSet<RunFn>();

/** Warm one variant of the interpreter once (later calls return at once): `paged` runs it on a
 *  hart with Sv48 on, else on a bare one. `tlb`: the scratch hart's TLB model (default: the
 *  default preset). */
export function warmVariant(
  fn: RunFn,
  paged: boolean,
  tlb: TlbConfig = defaultTlb(),
  jit: JitWarmer | null = null,
): void {
  if (warmed.has(fn)) return;
  warmed.add(fn);
  const h = scratchHart(tlb, paged);
  jit?.(h, WARM_HOT);
  primeCold(fn, h, paged ? PRIV_S : PRIV_M);
  if (paged) runPasses(fn, h, PRIV_S, { scratch: CSR.sscratch, status: CSR.sstatus });
  else runPasses(fn, h, PRIV_M, { scratch: CSR.mscratch, status: CSR.mstatus });
  if (jit) runJitLoop(fn, h);
}

/** The jit variants' last step: a loop of integer code at JIT_LOOP, in a chunk sized so that,
 *  after WARM_HOT passes interpreted, its region translated and 10 passes run in it, one
 *  instruction of budget is left at the region's entry: too little for its block, so the
 *  region does not apply and the slot's own op runs. That path of the interpreter gets its
 *  feedback here too, and so does the call of decay() at a chunk's start (V8 allocates a
 *  function's feedback vector only after it has run a while: what the first chunks of the
 *  warm-up do records nothing). A jump to itself follows the loop (never reached), so that the
 *  region ends there: after the loop's fall-through the translator met the page's zeros
 *  (c.illegal), each a side exit where the interpreter resumes, and walked and decoded the
 *  rest of the page 2 bytes at a time, for the region and for each of the 7 resume points
 *  hot() translates after it (refused): about 2/3 of the warm-up's translation time (--cpu-prof,
 *  formBlocks). */
function runJitLoop(fn: RunFn, h: Hart): void {
  const j = h.jit;
  if (!j) throw new Error("interpreter warm-up: the jit variant's hart does not translate");
  for (const [pa, s] of [
    [JIT_LOOP, slot("addi", xd(JIT_REG), xs(JIT_REG), 0, -1)],
    [JIT_LOOP + 4, slot("bne", 0, xs(JIT_REG), 0, -4)],
    [JIT_LOOP + 8, slot("jal", xd(0), 0, 0, 0)],
  ] as const) {
    placeSlot(h, pa, s);
  }
  j.heat.fill(j.hotAt);
  j.decayAt = 0; // decay() at this chunk's start: the function has its feedback vector by now
  h.setReg(JIT_REG, 1000n);
  h.setPc(BigInt(JIT_LOOP));
  const budget = 2 * WARM_HOT + 2 * 10 + 1;
  const n = fn(h, budget);
  if (n !== budget || h.pcBig() !== BigInt(JIT_LOOP + 4)) {
    throw new Error("interpreter warm-up: the jit variant's loop did not end as planned");
  }
}

/** Turns translation on for a scratch hart, heat threshold `hot` (jit/translator.ts gives it:
 *  the jit variants are warmed with it). */
export type JitWarmer = (h: Hart, hot: number) => void;

/** Warm both variants of `interp` (the tests trace a warm-up this way). */
export function warmInterpreter(interp: Interpreter, tlb: TlbConfig): void {
  warmVariant(interp.bare, false, tlb);
  warmVariant(interp.paged, true, tlb);
}

let defaultConfig: TlbConfig | null = null;
const defaultTlb = (): TlbConfig => {
  defaultConfig ??= loadTlbConfig(DEFAULT_TLB_PRESET);
  return defaultConfig;
};
