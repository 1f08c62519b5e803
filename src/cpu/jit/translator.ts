// Translation at run time: which guest code gets translated (region.ts), how the interpreter
// enters it, and what throws it away.
//
// Finding hot code: the interpreter's jit variant (interp.ts) counts, after every taken
// backward branch or jal and every call, the pc it goes to in a small table of heat counters
// (HEAT_SIZE entries, hashed by pc), counting down from JIT_HOT; when one reaches zero and the
// pc is in the page the interpreter is fetching from, it calls hot(), which translates the region starting there for this hart and MARKS its entry:
// the decode slot's op becomes OP_REGION (the original op is kept in the marks). The interpreter
// meets the mark like any op and calls enter(); a region that does not apply (another virtual
// address mapping the same physical page, the other paging variant, too little budget left for
// its first block) returns 0 and the interpreter runs the original op. Because a region is found
// through the decode page the interpreter reached by a translated fetch, it never runs where the
// architecture would not fetch its instructions: satp and ASID changes, sfence.vma, unmaps and
// remaps change which page the fetch reaches, not what a region contains.
//
// Throwing away: a region depends only on the bytes of its page. A store into a code page
// (which always takes the slow path: such pages get no writable host-TLB entry) invalidates
// decode slots, and the CodeCache tells us (onInvalidate): every region whose instruction bytes
// it meets goes, its mark with it; fence.i drops the whole decode cache and every region
// (onFlush). A store made by a region that drops regions ends the region right after it (the
// store's import says so), so a region never runs on after its own code changed.

import { type Arena, PAGE_SIZE } from "../../mmu/index.js";
import type { CodeCache } from "../code.js";
import { MSTATUS } from "../csr.js";
import type { Hart } from "../hart.js";
import { HOST_W } from "../hosttlb.js";
import { r } from "../int64.js";
import { CONTINUE, type ColdFn, END_AFTER, jitCold, setJitWarmer, TRAPPED } from "../interp.js";
import { OP_REGION } from "../isa.js";
import type { Machine } from "../machine/machine.js";
import {
  HEAT_SIZE,
  HUB_SLOTS,
  type JitStats,
  REGION_END_CHUNK,
  REGION_TRAPPED,
  TRAP,
  zeroJitStats,
} from "../trap.js";

export type { JitStats };

import { FP_DIRTY, JIT_FFLAGS, JIT_FPST } from "./fp.js";
import type { ModuleBuilder } from "./module.js";
import { PackSession } from "./packs.js";
import {
  callsTable,
  forwardImports,
  HUB_CACHE,
  HUB_CALLS,
  HUB_CHAINED,
  HUB_COST,
  HUB_FBASE,
  HUB_FE,
  HUB_FFROM,
  HUB_FHI,
  HUB_FLO,
  HUB_FSLOT,
  HUB_JC,
  HUB_JE,
  HUB_JSLOT,
  HUB_JUDGE,
  HUB_NO_ENTRY,
  HUB_SLOT_AT,
  HUB_SLOT_BYTES,
  HUB_STOP,
  HUB_STOPPED,
  HUB_WHY,
  type HubLayout,
  hubIndex,
  JIT_PC,
  JIT_VALUE,
  JIT_WORDS_BYTES,
  type RegionHub,
  type RegionImports,
  type RegionLayout,
  type RegionSource,
  regionHub,
} from "./region.js";
import { type SlowPathLayout, slowPath } from "./slowpath.js";
import {
  type CompiledRegion,
  cachedModule,
  compileRegion,
  TranslationCache,
  type TranslationStore,
} from "./tcache.js";
import { printWat } from "./wat.js";

/** mstatus.FS (fp.ts reads it from JIT_FPST; a flag or an f register write makes it Dirty). */
const MSTATUS_FS = MSTATUS.FS;

/** Heat at which a pc gets its region: that many loop passes (back edges) or calls, less what
 *  decay gives back. Translating a region costs about as much CPU as interpreting a few hundred
 *  thousand instructions while the emitter and V8's compiler are cold (docs/performance.md, "The translator's figures"),
 *  so code must stay hot for a while before it pays; 64 translated bench_fp's start-up code
 *  (12 regions entered 6,875 instructions in all, 0.35 s of CPU). */
export const JIT_HOT = 1024;
/** Every DECAY_INSNS instructions of a hart each heat counter gets half its count back toward
 *  JIT_HOT, so a pc becomes hot only at a sustained rate (about JIT_HOT / 2 per DECAY_INSNS),
 *  not from a burst of start-up code. */
const DECAY_INSNS = 1 << 20;

/** Regions one hot() translates at most: the hot one and those after its side exits. */
const MAX_RESUME = 8;
/** Times a seeded heat counter (HartJit.replay) is seeded again when a pc of a page without
 *  recorded regions reaches it first (one counted jump each): then it counts as any other. */
const SEED_TRIES = 64;

/** Where a region was made, as MachineJit.made and HartJit.replay hold it: four numbers, its
 *  page's virtual address (low word with the page offset bits clear, high word), its entry's
 *  page offset, and its kind: ORIGIN_STUB for a stub region (RegionSource.stub), ORIGIN_HOT for
 *  a region hot() asked for (formed knowing the page's other entries: RegionSource.others), 0
 *  for one made with neither. */
export const ORIGIN_WORDS = 4;
export const ORIGIN_STUB = 1;
export const ORIGIN_HOT = 2;

// Profitability. Entering a region (the interpreter's call through V8's JS-to-wasm wrapper,
// the registers loaded and stored back) and each call out of it (a slow-path load or store,
// an F/D/A op run by the interpreter's semantics) cost more than the interpreter doing the
// same; the instructions run in wasm cost far less. Every JUDGE_EVERY entries a region is
// judged on what it did since the last judgement (or sooner after JUDGE_CALLS calls out): it is abandoned (its entries unmarked and
// never translated again) when retired < ENTRY_COST * entries + CALL_COST * calls. The costs,
// in interpreted instructions, come from bench_fp (2.2 M entries of 27 instructions, 53 M
// calls: 1.4x slower translated) and bench_bare (365 K entries of 220: 1.3x faster), measured
// on the development machine. The judgement counts architectural events only, so a run
// abandons the same regions whatever the host's speed, and what it computes never changes.
const JUDGE_EVERY = 1024;
/** ... or after this many calls out (a loop that stays in its region but calls out a lot). */
const JUDGE_CALLS = 65536;
const ENTRY_COST = 24;
/** The cost of an entry chained from another region through JavaScript (no interpreter between:
 *  a call from JavaScript into the hub, the region's registers loaded and stored back). */
const CHAIN_COST = 8;
/** The cost of an entry the hub chains in wasm (a lookup in its entry cache, a call_indirect,
 *  the region's registers loaded and stored back). */
const HUB_CHAIN_COST = 2;
const CALL_COST = 8;

/** Exits of regions to a pc that is no entry (a jump table's case, the code after a full
 *  region, a block across the page boundary) count down in a heat table of their own from
 *  hotAt >> EXIT_HOT_SHIFT (at least 2), without decay: such a pc is reached from code hot
 *  already, and each exit there costs a return to the interpreter, which then runs on until
 *  it meets a region's entry (a loop it runs there may never get hot on its own: its back
 *  edges count heat only while the interpreter runs it). When hot it gets a stub region
 *  (RegionSource.stub) of at most STUB_INSNS instructions, which stops at the page's entries,
 *  where the hub chains on in wasm. */
const EXIT_HOT_SHIFT = 5;
const STUB_INSNS = 400;

// Code that keeps being rewritten (a guest's own JIT, a loop patched and fence.i'd over and
// over): each version would be translated anew once hot, and a translation costs more than a
// short-lived version gains. So an entry whose region is thrown away because its code changed
// (a store into it, fence.i) before the region retired PAYBACK_INSNS instructions must be found
// hot again 4^drops - 1 more times (at most MAX_REWRITE_SKIPS) before it is translated again:
// translations of code rewritten over and over fall off geometrically, while a region that ran
// long before its code changed (it paid for itself) clears the count. Drops and instructions
// retired are architectural, so a run translates the same regions whatever the host's speed.
const PAYBACK_INSNS = 1 << 20;
const MAX_REWRITE_SKIPS = 1023;

/** The hub before a hart's first region: entering a region then is a bug. */
const NO_HUB: RegionHub = (): number => {
  throw new Error("translator: a region entered before any region was installed");
};

/** A translated region of one hart. */
interface Region {
  /** Its `run` is at this slot of the hart's table (see RegionHub). */
  slot: number;
  /** The virtual page the region was translated for (low word page-aligned). */
  vLo: number;
  vHi: number;
  paged: boolean;
  /** RAM page offset, and the page offsets of the region's first and last translated
   *  instruction bytes [lo, hi). */
  page: number;
  lo: number;
  hi: number;
  /** Entries (page offsets) still leading to it. */
  live: number;
  /** Instructions retired over its life (see PAYBACK_INSNS), once its slot is freed (until
   *  then its slot's counters hold it, with those since the last judgement: entries, their
   *  cost, instructions retired, calls out; see HUB_SLOT_AT). */
  ran: number;
}

/** A region entry: the region, the index of its block there (run's `start`), and the op of
 *  the marked decode slot (run when the region does not apply). */
interface Entry {
  reg: Region;
  blk: number;
  op: number;
}

/** A region's text for --dump-jit: its guest pc range and its module as WAT. */
export interface RegionDump {
  hart: number;
  pcLo: bigint;
  pcHi: bigint;
  wat: string;
}

export interface JitOptions {
  /** Called with each region's text when it is translated (--dump-jit). */
  dump?: (d: RegionDump) => void;
  /** Translate FP-heavy regions too, never abandon one as slower than the interpreter and
   *  never postpone rewritten code (tests of translated code). */
  keepAll?: boolean;
  /** Heat at which a pc gets its region (JIT_HOT by default; tests use less). */
  hot?: number;
  /** Where translations are kept across processes (tcache.ts); not read with `dump`. */
  store?: TranslationStore;
  /** Key them by the pages' decode slots too (the warm-up's hart: its slots are placed). */
  slotKeys?: boolean;
  /** Milliseconds of a monotonic clock, for translateMs; performance.now by default. Node's
   *  `performance` global loads its perf_hooks modules at first use (4-5 ms of the
   *  interpreter's thread when translation starts), so the `mmlab` command gives its own. */
  clock?: () => number;
}

/** performance.now, the clock of translateMs without JitOptions.clock. */
const perfNow = (): number => performance.now();

/** The translator of a machine: the marks in the shared decode cache and each hart's regions. */
export class MachineJit {
  /** Original ops of marked decode slots: RAM page -> (page offset -> op). */
  private readonly marks = new Map<number, Map<number, number>>();
  readonly harts: HartJit[] = [];
  /** Set when regions were dropped since the last store import looked. */
  changed = false;
  dropped = 0;
  /** The translation cache (opts.store), with its hits and misses; null without one. */
  readonly tcache: TranslationCache | null;
  /** The clock of translateMs (JitOptions.clock). */
  readonly clock: () => number;
  /** The regions made in this run, in order, by every hart: ORIGIN_WORDS numbers each
   *  (the record of the program's regions that the next run replays: HartJit.replay). */
  readonly made: number[] = [];

  constructor(
    private readonly code: CodeCache,
    harts: readonly Hart[],
    arena: Arena,
    readonly opts: JitOptions = {},
  ) {
    this.tcache = opts.store && !opts.dump ? new TranslationCache(opts.store, opts.slotKeys) : null;
    this.clock = opts.clock ?? perfNow;
    for (const h of harts) {
      const j = new HartJit(h, this, arena);
      this.harts.push(j);
      h.jit = j;
    }
    const prevFlush = code.onFlush;
    code.onFlush = () => {
      prevFlush();
      this.dropAll();
    };
    code.onInvalidate = (off, len) => this.dropBytes(off, len);
  }

  /** The op a marked slot at RAM offset `ramOff` had. */
  origOp(ramOff: number): number {
    const m = this.marks.get(ramOff - (ramOff % PAGE_SIZE));
    const op = m?.get(ramOff % PAGE_SIZE);
    if (op === undefined)
      throw new Error(`translator: no region mark at RAM offset 0x${ramOff.toString(16)}`);
    return op;
  }

  /** Mark slot `off` of decode page `dc` (RAM page `page`) as a region entry. */
  mark(page: number, off: number, dc: Int32Array): void {
    const i = off * 2;
    if (dc[i] === OP_REGION) return;
    let m = this.marks.get(page);
    if (!m) {
      m = new Map();
      this.marks.set(page, m);
    }
    m.set(off, dc[i]!);
    dc[i] = OP_REGION;
  }

  /** Undo the mark at RAM offset `ramOff` unless a hart still has an entry there. */
  unmark(ramOff: number): void {
    if (this.harts.some((j) => j.hasEntry(ramOff))) return;
    const page = ramOff - (ramOff % PAGE_SIZE);
    const off = ramOff - page;
    const m = this.marks.get(page);
    const op = m?.get(off);
    if (m === undefined || op === undefined) return;
    const dc = this.code.lookup(page);
    if (dc && dc[off * 2] === OP_REGION) dc[off * 2] = op;
    m.delete(off);
    if (m.size === 0) this.marks.delete(page);
  }

  /** A store wrote RAM bytes [off, off + len): drop the regions translated from them (every
   *  hart's region at the same entry translated the same bytes) and their marks. */
  dropBytes(off: number, len: number): void {
    const page = off - (off % PAGE_SIZE);
    const m = this.marks.get(page);
    if (!m) return;
    const lo = off - page;
    const entries = new Set<number>();
    for (const j of this.harts) j.overlapping(page, lo, lo + len, entries);
    if (entries.size === 0) return;
    const dc = this.code.lookup(page);
    for (const e of entries) {
      const op = m.get(e);
      if (op !== undefined && dc && dc[e * 2] === OP_REGION) dc[e * 2] = op;
      m.delete(e);
      for (const j of this.harts) j.drop(page + e);
    }
    if (m.size === 0) this.marks.delete(page);
    this.changed = true;
  }

  /** Drop every region (fence.i, or translation turned off). */
  dropAll(): void {
    for (const [page, m] of this.marks) {
      const dc = this.code.lookup(page);
      if (dc) for (const [off, op] of m) if (dc[off * 2] === OP_REGION) dc[off * 2] = op;
    }
    this.marks.clear();
    for (const j of this.harts) j.dropAll();
    this.changed = true;
  }

  /** Write each hart's pack of the regions it installed (packs.ts) when it holds fewer than the
   *  run used; the store's onExit does it at the end of the process, a test calls it. */
  flushPacks(): void {
    for (const j of this.harts) j.pack?.flush();
  }

  /** Turn translation off: every mark undone, the harts back on the plain interpreter. */
  detach(): void {
    this.dropAll();
    for (const j of this.harts) j.hart.jit = null;
  }

  /** The counters of all harts together. */
  stats(): JitStats {
    const s = zeroJitStats();
    for (const j of this.harts) {
      s.regions += j.stats.regions;
      s.insns += j.stats.insns;
      s.wasmBytes += j.stats.wasmBytes;
      s.executed += j.stats.executed;
      s.chained += j.stats.chained;
      s.chainedWasm += j.stats.chainedWasm;
      s.translateMs += j.stats.translateMs;
      s.dropped += j.stats.dropped;
      s.abandoned += j.stats.abandoned;
    }
    return s;
  }
}

/** One hart's regions, heat counters and the imports its regions call. */
export class HartJit {
  /** Heat counters: each counts down from hotAt (interp.ts). */
  readonly heat = new Int32Array(HEAT_SIZE);
  /** Regions an earlier run made, by virtual page ("lo:hi"): their entries and kinds (ORIGIN_WORDS) in
   *  the order made, not made again yet (replay()). */
  private readonly recorded = new Map<string, number[]>();
  /** Heat counters seeded for recorded entries (replay()), and how many more times a pc of a
   *  page without recorded regions may reach one first. */
  private readonly seeds = new Map<number, number>();
  /** Until the hart has run this many instructions, only recorded regions are made (replay()),
   *  and whether replayPage() is making them now. */
  private replayOnlyUntil = 0;
  private replaying = false;
  /** The threshold of the heat counters (set by the constructor; a number from the start, so
   *  the object's shape never changes). */
  readonly hotAt: number = JIT_HOT;
  /** Heat counters of exits to pcs that are no entry (see EXIT_HOT_SHIFT), from exitHot. */
  private readonly exitHeat = new Int32Array(HEAT_SIZE);
  private readonly exitHot: number = 2;
  /** The hart's instruction count at which the counters next decay. */
  decayAt = DECAY_INSNS;
  readonly stats: JitStats = zeroJitStats();
  /** Entries of abandoned regions (RAM offsets): never translated again (until fence.i). */
  private readonly unprofitable = new Set<number>();
  /** Entries (RAM offsets) whose region was dropped because its code changed before it paid
   *  for itself: how many times, and how many more times they must be found hot before they
   *  are translated again (see PAYBACK_INSNS). */
  private readonly rewritten = new Map<number, { drops: number; skips: number }>();
  /** Entries by RAM offset: every block of a region is one. */
  private readonly regions = new Map<number, Entry>();
  /** Entries whose first instruction the translator does not take. */
  private readonly refused = new Set<number>();
  private readonly words: Int32Array;
  /** The fetch state the interpreter goes on with after enter() (see enter()): the virtual
   *  page, its RAM page offset and decode page, the modelled iTLB slot, the first count not
   *  yet accounted to it. */
  fLo = 0;
  fHi = 0;
  fBase = 0;
  fDc: Int32Array;
  fSlot = -1;
  fFrom = 0;
  /** The hub's per-slot counters (see HUB_SLOT_AT) as int32 and float64 views: slot s has
   *  entries, calls, cost at [8s], [8s + 1], [8s + 2] of `slotI`, retired since the last judgement and
   *  up to it at [4s + 2], [4s + 3] of `slotF`. The hub's entry cache: entry i at [4i..4i + 3] of `cache`. */
  private readonly slotI: Int32Array;
  private readonly slotF: Float64Array;
  private readonly cache: Int32Array;
  /** The region of each slot of the table. */
  private readonly bySlot: (Region | undefined)[] = [];
  private readonly layoutBare: RegionLayout;
  private readonly layoutPaged: RegionLayout;
  /** The imports of bare and of paged regions (exec calls that variant's cold()). */
  private readonly glue: [RegionImports, RegionImports];
  /** The imports of bare and of paged regions, made at the first region of each: the memory
   *  and the table of calls out (callsTable: the glue through forwardImports' module, and the
   *  wasm slow path's load and store for paged regions). */
  private readonly imports: [WebAssembly.Imports | null, WebAssembly.Imports | null] = [null, null];
  private readonly memory: WebAssembly.Memory;
  /** The regions' functions (see RegionHub), its free slots, and the hub that calls them (its
   *  module compiled at the first region: a short program never pays for it). */
  private readonly table = new WebAssembly.Table({ element: "anyfunc", initial: 0 });
  private readonly freeSlots: number[] = [];
  /** This hart's pack of cached regions (packs.ts; null without a translation cache), and the
   *  instances of packs' modules (bare, paged), shared by their regions. */
  readonly pack: PackSession | null;
  private readonly packed = new Map<
    WebAssembly.Module,
    [WebAssembly.Instance | null, WebAssembly.Instance | null]
  >();
  private hub: RegionHub = NO_HUB;
  private readonly hubLayout: HubLayout;

  /** Set by an import whose slow path trapped (HUB_STOP bit 1): enter() throws the trap on to
   *  the interpreter once the hub has returned (the interpreter takes the trapping
   *  instruction's count from h.chunkN, set by the import). */
  private get trapped(): boolean {
    return this.stopBit(1);
  }
  private set trapped(v: boolean) {
    this.setStopBit(1, v);
  }
  /** Set by an import when the interpreter must end its chunk after the region (HUB_STOP bit
   *  2; enter() tells the interpreter by adding REGION_END_CHUNK to what it returns). */
  private get endChunk(): boolean {
    return this.stopBit(2);
  }
  private set endChunk(v: boolean) {
    this.setStopBit(2, v);
  }
  /** Is `bit` set in the hub's stop word (HUB_STOP)? */
  private stopBit(bit: number): boolean {
    return (this.words[HUB_STOP / 4]! & bit) !== 0;
  }
  /** Set or clear `bit` in the hub's stop word (HUB_STOP). */
  private setStopBit(bit: number, on: boolean): void {
    const w = this.words;
    const i = HUB_STOP / 4;
    w[i] = on ? w[i]! | bit : w[i]! & ~bit;
  }
  /** Calls out of regions (slow-path loads and stores, exec) so far (HUB_CALLS: the hub gives
   *  each run its share). */
  get calls(): number {
    return this.words[HUB_CALLS / 4]!;
  }
  set calls(v: number) {
    this.words[HUB_CALLS / 4] = v;
  }

  constructor(
    readonly hart: Hart,
    private readonly machine: MachineJit,
    arena: Arena,
  ) {
    const h = hart;
    const t = h.hostTlb;
    const tr = h.translator;
    const views: ArrayBufferView[] = [
      h.x,
      h.f,
      t.rLo,
      t.rHi,
      t.rBase,
      t.rSlot,
      t.wLo,
      t.wHi,
      t.wBase,
      t.wSlot,
    ];
    views.push(t.xLo, t.xHi, t.xBase, t.xSlot);
    if (tr) views.push(tr.stamp, tr.hostHits.r, tr.hostHits.w, tr.hostHits.x);
    if (!views.every((v) => arena.holds(v))) {
      throw new Error("not supported: translation without the hart's state in the arena");
    }
    this.fDc = h.code.empty;
    const tc = machine.tcache;
    this.pack = tc && !tc.slots ? new PackSession(tc) : null;
    this.hotAt = Math.max(1, Math.floor(machine.opts.hot ?? JIT_HOT));
    this.exitHot = Math.max(2, this.hotAt >> EXIT_HOT_SHIFT);
    this.exitHeat.fill(this.exitHot);
    this.heat.fill(this.hotAt);
    const at = arena.alloc(JIT_WORDS_BYTES, 8);
    if (at < 0) throw new Error("not supported: translation: no room for the hart's jit words in the arena");
    this.words = new Int32Array(arena.buffer, at, JIT_WORDS_BYTES / 4);
    this.slotI = new Int32Array(arena.buffer, at + HUB_SLOT_AT, (HUB_SLOTS * HUB_SLOT_BYTES) / 4);
    this.slotF = new Float64Array(arena.buffer, at + HUB_SLOT_AT, (HUB_SLOTS * HUB_SLOT_BYTES) / 8);
    this.cache = new Int32Array(arena.buffer, at + HUB_CACHE, (HUB_SLOT_AT - HUB_CACHE) / 4);
    this.cache.fill(-1);
    const keep = machine.opts.keepAll === true;
    this.words[HUB_JE / 4] = keep ? 0x7fffffff : JUDGE_EVERY;
    this.words[HUB_JC / 4] = keep ? 0x7fffffff : JUDGE_CALLS;
    this.words[HUB_COST / 4] = HUB_CHAIN_COST;
    this.hubLayout = {
      jit: at,
      xLo: t.xLo.byteOffset,
      xHi: t.xHi.byteOffset,
      xBase: t.xBase.byteOffset,
      xSlot: t.xSlot.byteOffset,
      stamp: tr ? tr.stamp.byteOffset : -1,
      hitX: tr ? tr.hostHits.x.byteOffset : -1,
      pages: arena.size / 65536,
      shared: arena.shared,
    };
    this.layoutBare = {
      x: h.x.byteOffset,
      f: h.f.byteOffset,
      hasD: h.fsD !== 0,
      jit: at,
      rLo: t.rLo.byteOffset,
      rHi: t.rHi.byteOffset,
      rBase: t.rBase.byteOffset,
      rSlot: t.rSlot.byteOffset,
      wLo: t.wLo.byteOffset,
      wHi: t.wHi.byteOffset,
      wBase: t.wBase.byteOffset,
      wSlot: t.wSlot.byteOffset,
      stamp: -1,
      hitR: -1,
      hitW: -1,
      pages: arena.size / 65536,
      shared: arena.shared,
    };
    this.layoutPaged = tr
      ? {
          ...this.layoutBare,
          stamp: tr.stamp.byteOffset,
          hitR: tr.hostHits.r.byteOffset,
          hitW: tr.hostHits.w.byteOffset,
        }
      : this.layoutBare;
    const w = this.words;
    const v = JIT_VALUE / 4;
    const hw = t.words;
    const glue = (cold: () => ColdFn): RegionImports => ({
      load: (lo, hi, pcLo, pcHi, n, kind) => {
        this.calls++;
        h.pcLo = pcLo;
        h.pcHi = pcHi;
        h.chunkN = n;
        const width = (kind & 15) as 1 | 2 | 4 | 8;
        const signed = (kind & 16) !== 0;
        const val = h.loadGuarded(lo, hi, width, signed); // a trap entered, not thrown
        if (h.faulted !== 0) {
          h.faulted = 0;
          this.trapped = true;
          return 1;
        }
        w[v] = val;
        // the high word as the interpreter's load sets it (semantics.ts load())
        w[v + 1] = width === 8 ? r.hi : signed ? val >> 31 : 0;
        if (h.yieldRequested) hw[HOST_W.LIVE] = 0; // the wasm slow path cannot tell the region
        return 0;
      },
      store: (lo, hi, vlo, vhi, pcLo, pcHi, n, width) => {
        this.calls++;
        h.pcLo = pcLo;
        h.pcHi = pcHi;
        h.chunkN = n;
        this.machine.changed = false;
        h.storeGuarded(lo, hi, width as 1 | 2 | 4 | 8, vlo, vhi); // a trap entered, not thrown
        if (h.faulted !== 0) {
          h.faulted = 0;
          this.trapped = true;
          return 2;
        }
        if (h.yieldRequested) {
          hw[HOST_W.LIVE] = 0;
          this.endChunk = true;
          return 1;
        }
        return this.machine.changed ? 1 : 0;
      },
      exec: (op, a, imm, len, pcLo, pcHi, n) => {
        this.calls++;
        h.pcLo = pcLo;
        h.pcHi = pcHi;
        h.chunkN = n;
        this.machine.changed = false;
        let k: number;
        const ff = JIT_FFLAGS / 4;
        h.fflags = w[ff]! & 31; // the region's fflags (fp.ts) for the call, and back after
        try {
          k = cold()(h, op, a, imm, len, pcLo, pcHi, n);
        } catch (e) {
          if (e !== TRAP) throw e;
          this.trapped = true;
          return 2;
        }
        if (k === TRAPPED) {
          this.trapped = true; // cold() caught the op's trap
          return 2;
        }
        w[ff] = (w[ff]! & FP_DIRTY) | h.fflags;
        if (h.yieldRequested) hw[HOST_W.LIVE] = 0; // a store's exit would be missed in wasm
        if (k === END_AFTER) {
          this.endChunk = true;
          return 1;
        }
        if (k !== CONTINUE) throw new Error(`translator: op ${op} set the pc itself; it is not one to call`);
        return this.machine.changed ? 1 : 0;
      },
    });
    let bare: ColdFn | null = null;
    let pagedCold: ColdFn | null = null;
    this.memory = arena.memory;
    this.glue = [glue(() => (bare ??= jitCold(false))), glue(() => (pagedCold ??= jitCold(true)))];
    const tlb = tr?.wasmLayout() ?? null;
    const inArena = [t.next, t.prev, t.heads, t.filled, t.words, t.steps, t.ok, h.mem.pageFlags];
    this.slowLayout =
      tlb !== null && inArena.every((x) => arena.holds(x))
        ? {
            tlb,
            host: t,
            jit: at,
            pageFlags: h.mem.pageFlags.byteOffset,
            ramBytes: h.mem.size,
            memory: arena.memory,
            pages: arena.size / 65536,
            shared: arena.shared,
          }
        : null;
  }

  /** Where the wasm slow path of paged regions finds its state, or null: their loads and stores
   *  that miss the host TLB call the glue (slowpath.ts). */
  private readonly slowLayout: SlowPathLayout | null;

  /** Helper module `what` (its inputs, as text: tcache.ts cachedModule) built by `build`, or
   *  from the translation cache: a warm run then never runs the emitter, whose first use in a
   *  process is V8 running it cold (the hub: 5-20 ms of the interpreter's thread). */
  private helper(what: string, build: () => ModuleBuilder): WebAssembly.Module {
    return cachedModule(this.machine.tcache, what, build);
  }

  /** The imports of the regions of the bare (0) or paged (1) variant. */
  private importsOf(v: 0 | 1): WebAssembly.Imports {
    let imp = this.imports[v];
    if (imp === null) {
      const g = this.glue[v];
      const slow =
        v === 1 && this.slowLayout !== null ? slowPath(this.slowLayout, g, this.machine.tcache) : {};
      const fwd = forwardImports(g, (b) => this.helper("forward", b));
      imp = { env: { mem: this.memory, calls: callsTable({ ...fwd, ...slow }) } };
      this.imports[v] = imp;
    }
    return imp;
  }

  /** Run the region at RAM offset `ramOff` if it applies, and the regions it leaves to after it
   *  (chaining, see chain()): `budget` instructions left, `nbase` the interpreter's count before
   *  it, `clk` the modelled TLB's clock then, `fSlot`/`fFrom`/`dc` the interpreter's fetch state
   *  (the modelled iTLB slot of the page it fetches from, the count of the first fetch from it
   *  not yet accounted, its decode page). Returns how many instructions it retired and leaves
   *  the pc in the hart and the fetch state the interpreter goes on with in fLo..fFrom; when it
   *  does not apply (or ran none), the marked slot's own op negated, for the interpreter to run;
   *  when an instruction trapped in a region, REGION_TRAPPED (the trap entered, the pc at its
   *  handler, h.chunkN the trapping instruction's count, the fetch state in fLo..fFrom). */
  enter(
    h: Hart,
    ramOff: number,
    budget: number,
    nbase: number,
    clk: number,
    paged: boolean,
    fSlot: number,
    fFrom: number,
    dc: Int32Array,
  ): number {
    if (budget >= REGION_END_CHUNK) budget = REGION_END_CHUNK - 1; // the flag stays above it
    this.fLo = h.pcLo & -4096;
    this.fHi = h.pcHi;
    this.fBase = ramOff - (h.pcLo & 4095);
    this.fDc = dc;
    this.fSlot = fSlot;
    this.fFrom = fFrom;
    const ent = this.regions.get(ramOff);
    if (ent === undefined) return -this.machine.origOp(ramOff);
    const reg = ent.reg;
    if (reg.paged !== paged || reg.vLo !== this.fLo || reg.vHi !== h.pcHi) {
      return -this.machine.origOp(ramOff);
    }
    const n = this.chain(h, reg.slot, ent.blk, budget, nbase, clk, paged);
    // an import trapped: the trap is entered (pc at its handler), h.chunkN the count of the
    // instruction that trapped; the interpreter takes it as its own (interp.ts, ENTER)
    if (n < 0) return REGION_TRAPPED;
    // none retired (its first block did not fit the budget): the slot's own op runs
    if (n <= 0) return -ent.op;
    h.pcLo = this.words[JIT_PC / 4]!;
    h.pcHi = this.words[JIT_PC / 4 + 1]!;
    this.stats.executed += n;
    if (!this.endChunk) return n;
    this.endChunk = false;
    return n + REGION_END_CHUNK;
  }

  /** Run block `blk` of the region at `slot` through the hub, which chains in wasm to the
   *  regions its entry cache holds (see RegionHub), and go on here where it cannot: a region
   *  due for judgement is judged; an exit pc in the fetch page that the cache does not hold is
   *  looked up in the hart's map (a region there runs next, chained through JavaScript), and
   *  if it is no region's entry it counts heat as a loop's back edge does and gets its region
   *  when hot. A host-iTLB miss (the interpreter's fetch walks), the budget spent or a stop
   *  (an import trapped: returns -1; the chunk must end) ends it. Returns the instructions
   *  retired; the fetch state the interpreter goes on with is in fLo..fFrom. Entries are looked
   *  up at each step (the cache follows the map), so a dropped or abandoned region is never
   *  reached. */
  private chain(
    h: Hart,
    slot: number,
    blk: number,
    budget: number,
    nbase: number,
    clk: number,
    paged: boolean,
  ): number {
    const w = this.words;
    let total = 0;
    let cost = ENTRY_COST;
    let chained = 0;
    for (;;) {
      total += this.runHub(slot, blk, budget - total, nbase + total, clk + total, paged, cost, chained);
      const why = w[HUB_WHY / 4]!;
      if (why === HUB_STOPPED) {
        if (this.trapped) return this.trapTaken(h, nbase);
        break;
      }
      if (why === HUB_JUDGE) {
        const reg = this.bySlot[w[HUB_JSLOT / 4]!];
        if (reg !== undefined) this.judge(reg);
        slot = -1; // go on with the exit pc's lookup
        continue;
      }
      if (why !== HUB_NO_ENTRY) break;
      const pl = w[JIT_PC / 4]!;
      const ph = w[JIT_PC / 4 + 1]!;
      const ramOff = this.fBase + (pl & 4095);
      let ent = this.regions.get(ramOff);
      if (ent === undefined) {
        const hk = (pl >>> 1) & (HEAT_SIZE - 1);
        if (--this.exitHeat[hk]! > 0) break;
        this.exitHeat[hk] = this.exitHot;
        this.translate(h, pl, ph, this.fBase, this.fDc, paged, this.stubOf(this.fBase));
        ent = this.regions.get(ramOff);
        if (ent === undefined) break;
      }
      const reg = ent.reg;
      if (reg.paged !== paged || reg.vLo !== this.fLo || reg.vHi !== ph) break;
      this.cacheSet(ramOff, ent); // the cache lost it to another entry: it takes it back
      slot = reg.slot;
      blk = ent.blk;
      cost = CHAIN_COST;
      chained = 1;
    }
    return total;
  }

  /** One call of the hub (see RegionHub) with the fetch state of fLo..fFrom and the FP state
   *  words set; afterwards fLo..fDc, the hart's fflags and mstatus.FS as the regions left them
   *  (fp.ts), the chained entries counted. Returns the instructions retired. */
  private runHub(
    slot: number,
    blk: number,
    budget: number,
    nbase: number,
    clk: number,
    paged: boolean,
    cost: number,
    chained: number,
  ): number {
    const w = this.words;
    const h = this.hart;
    w[JIT_FPST / 4] = h.frm | (h.mstatus & MSTATUS_FS);
    w[JIT_FFLAGS / 4] = h.fflags;
    w[HUB_FLO / 4] = this.fLo;
    w[HUB_FHI / 4] = this.fHi;
    w[HUB_FBASE / 4] = this.fBase;
    w[HUB_FSLOT / 4] = this.fSlot;
    w[HUB_FFROM / 4] = this.fFrom;
    w[HUB_FE / 4] = -1;
    const k = this.hub(slot, blk, budget, nbase, clk, paged ? 1 : 0, cost, chained);
    // fflags as the regions left them, and FS = Dirty if one wrote f registers or fflags (fp.ts)
    const fl = w[JIT_FFLAGS / 4]!;
    h.fflags = fl & 31;
    if (fl & FP_DIRTY) h.mstatus |= MSTATUS_FS;
    if (w[HUB_FE / 4]! >= 0) {
      // the hub crossed to another page (through the host iTLB): the interpreter fetches from
      // it; its decode page is the one the host entry held then (an access since may have
      // dropped the entry, as the interpreter's fetch state keeps a page it left the iTLB for)
      this.fLo = w[HUB_FLO / 4]!;
      this.fHi = w[HUB_FHI / 4]!;
      this.fBase = w[HUB_FBASE / 4]! >>> 0;
      this.fSlot = w[HUB_FSLOT / 4]!;
      this.fFrom = w[HUB_FFROM / 4]!;
      const dc = h.code.lookup(this.fBase);
      if (dc === undefined) throw new Error("translator: the hub crossed to a page without decode page");
      this.fDc = dc;
    }
    // every chained entry the hub counted, less the first one when JavaScript chained it
    const c = w[HUB_CHAINED / 4]!;
    w[HUB_CHAINED / 4] = 0;
    this.stats.chained += c;
    const first = k > 0 ? chained : 0; // no branch the warm-up's run does not take
    this.stats.chainedWasm += c - first;
    return k;
  }

  /** A region's import trapped (the trap entered): count what the regions retired before the
   *  trapping instruction (h.chunkN, set by the import; `nbase` is the count before the first
   *  region enter() ran) and return -1, which enter() passes on to the interpreter as
   *  REGION_TRAPPED. Not a throw: unwinding the interpreter's run() cost V8 ~149,000 host
   *  instructions a trap while run() is baseline code (docs/performance.md). */
  private trapTaken(h: Hart, nbase: number): number {
    this.trapped = false;
    this.stats.executed += h.chunkN - nbase - 1;
    return -1;
  }

  /** The hart has run `steps` instructions, at or past decayAt: every heat counter gets half
   *  its count back (see DECAY_INSNS). */
  decay(steps: number): void {
    const heat = this.heat;
    const top = this.hotAt;
    for (let i = 0; i < heat.length; i++) heat[i] = heat[i]! + ((top - heat[i]!) >> 1);
    this.decayAt = steps + DECAY_INSNS;
  }

  /** Judge `reg` on its last JUDGE_EVERY entries or JUDGE_CALLS calls out (its slot's
   *  counters, which start again): abandon it if the interpreter would have been faster (see
   *  ENTRY_COST). */
  private judge(reg: Region): void {
    const si = reg.slot * (HUB_SLOT_BYTES / 4);
    const sf = reg.slot * (HUB_SLOT_BYTES / 8);
    const slow = this.slotF[sf + 2]! < this.slotI[si + 2]! + CALL_COST * this.slotI[si + 1]!;
    this.slotI[si] = 0;
    this.slotI[si + 1] = 0;
    this.slotI[si + 2] = 0;
    this.slotF[sf + 3] = this.slotF[sf + 3]! + this.slotF[sf + 2]!; // the life's count (ranOf)
    this.slotF[sf + 2] = 0;
    if (!slow || this.machine.opts.keepAll) return;
    const gone: number[] = [];
    for (const [ramOff, e] of this.regions) if (e.reg === reg) gone.push(ramOff);
    for (const ramOff of gone) {
      this.removeEntry(ramOff);
      this.unprofitable.add(ramOff);
      this.machine.unmark(ramOff);
    }
    reg.live = 0;
    this.freeSlot(reg);
    this.stats.abandoned++;
  }

  /** Instructions `reg` retired over its life: in its slot, those up to its last judgement and
   *  those since (the hub counts only the latter, judge() adds them to the former). */
  private ranOf(reg: Region): number {
    if (reg.slot < 0) return reg.ran;
    const sf = reg.slot * (HUB_SLOT_BYTES / 8);
    return this.slotF[sf + 3]! + this.slotF[sf + 2]!;
  }

  /** Enter `ent` in the hart's map of entries at RAM offset `ramOff`, and in the hub's cache
   *  (in place of another entry with the same index). */
  private addEntry(ramOff: number, ent: Entry): void {
    this.regions.set(ramOff, ent);
    this.cacheSet(ramOff, ent);
  }

  /** Put the entry `ent` at RAM offset `ramOff` in the hub's cache (see HUB_CACHE). */
  private cacheSet(ramOff: number, ent: Entry): void {
    const c = this.cache;
    const i = hubIndex(ramOff) * 4;
    const reg = ent.reg;
    if (reg.slot < 0 || reg.slot > 0xffff || ent.blk > 0xffff) {
      throw new Error(`translator: entry cache: slot ${reg.slot}, block ${ent.blk} out of range`);
    }
    c[i] = ramOff;
    c[i + 1] = reg.vLo | (reg.paged ? 1 : 0);
    c[i + 2] = reg.vHi;
    c[i + 3] = reg.slot | (ent.blk << 16);
  }

  /** Remove the entry at RAM offset `ramOff` from the hart's map and the hub's cache. */
  private removeEntry(ramOff: number): void {
    this.regions.delete(ramOff);
    const i = hubIndex(ramOff) * 4;
    if (this.cache[i] === ramOff) this.cache[i] = -1;
  }

  /** The region entry at RAM offset `ramOff` was dropped because its code changed, its region
   *  having retired `ran` instructions: unless that paid for the translation, the entry must be
   *  found hot 4^drops - 1 more times before it is translated again (see PAYBACK_INSNS). */
  private postpone(ramOff: number, ran: number): void {
    if (ran >= PAYBACK_INSNS) {
      this.rewritten.delete(ramOff);
      return;
    }
    const rw = this.rewritten.get(ramOff) ?? { drops: 0, skips: 0 };
    rw.drops++;
    rw.skips = Math.min(4 ** rw.drops - 1, MAX_REWRITE_SKIPS);
    this.rewritten.set(ramOff, rw);
  }

  /** Has this hart a region entry at RAM offset `ramOff`? */
  hasEntry(ramOff: number): boolean {
    return this.regions.has(ramOff);
  }

  /** The op of a marked decode slot (the interpreter runs it when the region does not apply). */
  origOp(ramOff: number): number {
    return this.machine.origOp(ramOff);
  }

  /** The pc (pcLo, pcHi), in the page the interpreter fetches from (RAM page offset `fBase`,
   *  decode page `dc`), is hot: translate the region starting there, unless done or refused. */
  hot(h: Hart, pcLo: number, pcHi: number, fBase: number, dc: Int32Array, paged: boolean): void {
    if (this.seeds.size > 0 && !this.seededHot(pcLo, pcHi, fBase)) return;
    // the region at pc, then those where the interpreter resumes after its side exits (a few)
    const todo = [pcLo & 4095];
    for (let k = 0; k < todo.length && k < MAX_RESUME; k++) {
      const pc = (pcLo & -4096) | todo[k]!;
      const resume = this.translate(h, pc, pcHi, fBase, dc, paged, undefined, this.entriesIn(fBase));
      for (const r of resume) if (!todo.includes(r)) todo.push(r);
    }
  }

  /** Make again, as they come, the regions an earlier run of the program made (`origins`:
   *  ORIGIN_WORDS numbers each, in the order made, MachineJit.made): the first time this
   *  hart translates anything on one of their pages, those of that page are made first, in
   *  their order, so that each finds the page as the earlier run did (the same entries before
   *  it, so the same stub stops and the same keys: from the pack); and every entry's heat counter
   *  is seeded, so that the page's first counted jump to one makes them (translation stays exact
   *  whenever a region is made: only how soon changes). Until the hart has run `only`
   *  instructions (the earlier run's starter share, in which it made none), no other region is
   *  made, so that the run makes the regions the earlier one did, not more. */
  replay(origins: readonly number[], only = 0): void {
    if (origins.length % ORIGIN_WORDS !== 0)
      throw new Error(`translator: ${origins.length} numbers for region origins`);
    this.replayOnlyUntil = only;
    for (let k = 0; k < origins.length; k += ORIGIN_WORDS) {
      const [lo, hi, off, stub] = origins.slice(k, k + ORIGIN_WORDS) as [number, number, number, number];
      const page = `${lo & -4096}:${hi}`;
      const list = this.recorded.get(page) ?? [];
      list.push(off, stub);
      this.recorded.set(page, list);
      const hk = (((lo & -4096) | off) >>> 1) & (HEAT_SIZE - 1);
      this.seeds.set(hk, SEED_TRIES);
      this.heat[hk] = 1;
    }
  }

  /** A heat counter reached zero at pc (pcLo, pcHi) of RAM page `fBase`: may it make a region?
   *  Yes, unless the counter was seeded (replay()) and the pc is neither on a page whose
   *  recorded regions are still to be made nor an entry: then another pc took the seed, which
   *  is given back (SEED_TRIES times at most). */
  private seededHot(pcLo: number, pcHi: number, fBase: number): boolean {
    const hk = (pcLo >>> 1) & (HEAT_SIZE - 1);
    const tries = this.seeds.get(hk);
    if (tries === undefined || this.recorded.has(`${pcLo & -4096}:${pcHi}`)) return true;
    if (this.regions.has(fBase + (pcLo & 4095))) return true;
    if (tries > 1) {
      this.seeds.set(hk, tries - 1);
      this.heat[hk] = 1;
    } else this.seeds.delete(hk);
    return false;
  }

  /** Make the regions recorded for virtual page (pageLo, pageHi) (RAM page `fBase`, decode
   *  page `dc`), in their order, unless made already, each as it was (ORIGIN_WORDS' kind), with
   *  the page's entries as they are then; false if none were recorded there. */
  private replayPage(
    h: Hart,
    pageLo: number,
    pageHi: number,
    fBase: number,
    dc: Int32Array,
    paged: boolean,
  ): boolean {
    const key = `${pageLo}:${pageHi}`;
    const list = this.recorded.get(key);
    if (list === undefined) return false;
    this.recorded.delete(key);
    this.replaying = true;
    try {
      for (let k = 0; k < list.length; k += 2) {
        const kind = list[k + 1]!;
        const stub = kind === ORIGIN_STUB ? this.stubOf(fBase) : undefined;
        const others = kind === ORIGIN_HOT ? this.entriesIn(fBase) : undefined;
        this.translate(h, pageLo | list[k]!, pageHi, fBase, dc, paged, stub, others);
      }
    } finally {
      this.replaying = false;
    }
    return true;
  }

  /** What a stub region on RAM page `page` stops at (RegionSource.stub): the entries this hart
   *  has there, so that it holds only code no region of the page holds yet. */
  private stubOf(page: number): { stops: number[]; max: number } {
    return { stops: this.entriesIn(page), max: STUB_INSNS };
  }

  /** The page offsets of this hart's region entries on RAM page `page`, sorted. */
  private entriesIn(page: number): number[] {
    const out: number[] = [];
    for (const ramOff of this.regions.keys()) {
      if (ramOff - page >= 0 && ramOff - page < PAGE_SIZE) out.push(ramOff - page);
    }
    return out.sort((a, b) => a - b);
  }

  /** Translate the region at (pcLo, pcHi) unless done or refused (a stub if `stub` is given:
   *  RegionSource.stub); returns the page offsets where the interpreter resumes after its side
   *  exits. */
  private translate(
    h: Hart,
    pcLo: number,
    pcHi: number,
    fBase: number,
    dc: Int32Array,
    paged: boolean,
    stub?: { stops: number[]; max: number },
    others?: number[],
  ): number[] {
    if (this.recorded.size > 0 && this.replayPage(h, pcLo & -4096, pcHi, fBase, dc, paged)) {
      // the page's entries, asked for before the replay, are those after it
      if (stub) stub = this.stubOf(fBase);
      if (others) others = this.entriesIn(fBase);
    }
    if (!this.replaying && h.steps < this.replayOnlyUntil) return [];
    const off = pcLo & 4095;
    const ramOff = fBase + off;
    if (this.regions.has(ramOff) || this.refused.has(ramOff) || this.unprofitable.has(ramOff)) return [];
    if (this.slotsFull()) return [];
    const rw = this.rewritten.get(ramOff);
    if (rw !== undefined && rw.skips > 0 && !this.machine.opts.keepAll) {
      rw.skips--;
      return [];
    }
    const t0 = this.machine.clock();
    const mem = h.mem;
    const code = h.code;
    const src: RegionSource = {
      dc,
      pageLo: pcLo & -4096,
      pageHi: pcHi,
      entry: off,
      paged,
      ...(stub ? { stub } : {}),
      ...(others ? { others } : {}),
      decode: (o) => {
        const i = o * 2;
        const op = dc[i]!;
        if (op === OP_REGION) return this.machine.origOp(fBase + o);
        if (op !== 0) return op;
        const word = mem.u16[(fBase + o) >>> 1]!;
        if ((word & 3) !== 3) return code.fill(dc, i, word);
        if (o === 4094) return 0; // straddles the page end
        return code.fill(dc, i, word | (mem.u16[((fBase + o) >>> 1) + 1]! << 16));
      },
    };
    const lay = paged ? this.layoutPaged : this.layoutBare;
    const page = mem.u8.subarray(fBase, fBase + PAGE_SIZE);
    const rc = compileRegion(
      src,
      lay,
      this.machine.opts.keepAll === true,
      page,
      this.machine.tcache,
      this.pack,
    );
    if (rc === null) {
      this.refused.add(ramOff);
      return [];
    }
    const reg: Region = {
      slot: this.slotFor(this.runOf(rc, paged ? 1 : 0)),
      vLo: pcLo & -4096,
      vHi: pcHi,
      paged,
      page: fBase,
      lo: rc.lo,
      hi: rc.hi + 4,
      live: 0,
      ran: 0,
    };
    this.bySlot[reg.slot] = reg;
    // every block is an entry (unless an older region has one there)
    rc.blockOffs.forEach((o, blk) => {
      if (this.regions.has(fBase + o) || this.unprofitable.has(fBase + o)) return;
      this.machine.mark(fBase, o, dc);
      this.addEntry(fBase + o, { reg, blk, op: this.machine.origOp(fBase + o) });
      reg.live++;
    });
    this.machine.made.push(pcLo & -4096, pcHi, off, stub ? ORIGIN_STUB : others ? ORIGIN_HOT : 0);
    const s = this.stats;
    s.regions++;
    s.insns += rc.insns;
    s.wasmBytes += rc.wasmBytes;
    s.translateMs += this.machine.clock() - t0;
    const dump = this.machine.opts.dump;
    if (dump) {
      if (!rc.builder) throw new Error("translator: a region from the translation cache has no text to dump");
      const base = (BigInt(pcHi >>> 0) << 32n) | BigInt((pcLo & -4096) >>> 0);
      dump({ hart: h.id, pcLo: base + BigInt(rc.lo), pcHi: base + BigInt(rc.hi), wat: printWat(rc.builder) });
    }
    return rc.resume.filter((o) => !this.regions.has(fBase + o));
  }

  /** The `run` of compiled region `rc` for paging variant `v` (1: paged): from an instance of
   *  its own, or of its pack (one instance a pack and variant, for all its regions). */
  private runOf(rc: CompiledRegion, v: 0 | 1): WebAssembly.ExportValue {
    if (!rc.shared) return new WebAssembly.Instance(rc.module, this.importsOf(v)).exports[rc.name]!;
    let insts = this.packed.get(rc.module);
    if (insts === undefined) {
      insts = [null, null];
      this.packed.set(rc.module, insts);
    }
    let inst = insts[v];
    if (inst === null) {
      inst = new WebAssembly.Instance(rc.module, this.importsOf(v));
      insts[v] = inst;
    }
    const run = inst.exports[rc.name];
    if (run === undefined) throw new Error(`translator: a pack without its region ${rc.name}`);
    return run;
  }

  /** A slot of the table holding `run` (a free one, or a new one). */
  private slotFor(run: WebAssembly.ExportValue): number {
    if (this.hub === NO_HUB) {
      const key = `hub\n${JSON.stringify(this.hubLayout)}`;
      this.hub = regionHub(this.table, this.memory, this.hubLayout, (b) => this.helper(key, b));
    }
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.table.length;
      if (slot >= HUB_SLOTS) throw new Error("translator: no free slot (the caller checks slotsFull)");
      this.table.grow(1);
    }
    this.table.set(slot, run);
    this.slotI.fill(0, slot * (HUB_SLOT_BYTES / 4), (slot + 1) * (HUB_SLOT_BYTES / 4));
    return slot;
  }

  /** Does every slot hold a region (HUB_SLOTS)? Then no region is translated until one goes. */
  private slotsFull(): boolean {
    return this.freeSlots.length === 0 && this.table.length >= HUB_SLOTS;
  }

  /** A region is gone: its slot is free (its function no longer held by the table), the
   *  instructions it retired kept in `ran`. */
  private freeSlot(reg: Region): void {
    if (reg.slot < 0) return;
    reg.ran = this.ranOf(reg);
    this.table.set(reg.slot, null);
    this.bySlot[reg.slot] = undefined;
    this.freeSlots.push(reg.slot);
    reg.slot = -1;
  }

  /** Add to `out` the entries (page offsets) of this hart's regions on RAM page `page` whose
   *  instruction bytes meet page offsets [lo, hi). */
  overlapping(page: number, lo: number, hi: number, out: Set<number>): void {
    for (const [ramOff, { reg }] of this.regions) {
      if (reg.page === page && lo < reg.hi && reg.lo < hi) out.add(ramOff - page);
    }
  }

  /** Forget the entry at RAM offset `ramOff`, if any (its region with its last entry). */
  drop(ramOff: number): void {
    const ent = this.regions.get(ramOff);
    if (ent !== undefined) {
      this.removeEntry(ramOff);
      this.postpone(ramOff, this.ranOf(ent.reg));
      if (--ent.reg.live === 0) {
        this.stats.dropped++;
        this.freeSlot(ent.reg);
      }
    }
    this.refused.clear();
  }

  dropAll(): void {
    const regs = new Set([...this.regions.values()].map((e) => e.reg));
    for (const reg of regs) this.freeSlot(reg);
    this.stats.dropped += regs.size;
    for (const [ramOff, e] of this.regions) this.postpone(ramOff, e.reg.ran);
    this.regions.clear();
    this.cache.fill(-1);
    this.refused.clear();
    this.unprofitable.clear();
  }
}

/** Turn translation to WebAssembly on for every hart of `m` (before it runs, or between runs).
 *  Throws "not supported" when the machine has no arena (RAM too large for a WebAssembly
 *  memory, or a machine made with arena: false). */
export function attachJit(m: Machine, opts: JitOptions = {}): MachineJit {
  const arena = m.mem.arena;
  if (!arena) {
    throw new Error(
      "not supported: translation (--jit) needs RAM and the harts' state in one WebAssembly memory; " +
        "this machine has none (RAM too large for it?)",
    );
  }
  if (m.jit) return m.jit;
  if (opts.store) warmStore = opts.store;
  if (opts.clock) warmClock = opts.clock;
  const j = new MachineJit(m.code, m.harts, arena, opts);
  m.jit = j;
  return j;
}

/** The translation store and the clock of the last machine attached with them: the warm-up's
 *  too. */
let warmStore: TranslationStore | undefined;
let warmClock: (() => number) | undefined;

/** Translation on for the scratch hart of the interpreter's warm-up (warmup.ts), heat
 *  threshold `hot`, so that the jit variant meets every path into the translator before V8
 *  optimizes it. Its region comes from the translation store when there is one, keyed by its
 *  page's slots (placed by the warm-up, not decoded from RAM). */
function warmJit(h: Hart, hot: number): void {
  const arena = h.mem.arena;
  if (!arena) throw new Error("translator: the warm-up's hart has no arena");
  const clock = warmClock ? { clock: warmClock } : {};
  new MachineJit(
    h.code,
    [h],
    arena,
    warmStore ? { hot, store: warmStore, slotKeys: true, ...clock } : { hot, ...clock },
  );
}

setJitWarmer(warmJit);
