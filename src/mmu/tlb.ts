// The modelled TLB of one hart: L1 instruction and data TLBs (each one array or one array per
// page size), an optional unified L2, each array sets x ways with LRU, tree-PLRU, FIFO or seeded
// random replacement, 16-bit ASIDs and global entries. A superpage (and a Svnapot 64 KiB page)
// is ONE entry covering its whole range, unless no array of the level holds its size: then it
// is held as pieces of the largest smaller size the level has (AMD's "smashing"), and each piece
// remembers the leaf it came from so that an address fence drops the whole superpage.
//
// The model is architectural: the hart translates only through lookup() hits and fill()s after
// walks. Its state lives in typed arrays indexed by a global slot number, so that the
// interpreter's host TLB can keep a subset of the entries (checked against gen[]) and account
// its hits exactly (stamp[] and hit counters written in place).

import { type Arena, arenaArray } from "./arena.js";
import { pageSizeName } from "./pte.js";
import type { PwcConfig, PwcWasmLayout } from "./pwc.js";
import { type Access, kindIndex, walkerArenaBytes } from "./walk.js";

export type Replacement = "lru" | "plru" | "fifo" | "random";
export const REPLACEMENTS: readonly Replacement[] = ["lru", "plru", "fifo", "random"];

export interface TlbArrayConfig {
  name: string;
  entries: number;
  /** 1 = direct-mapped; ways = entries = fully associative. */
  ways: number;
  replacement: Replacement;
  /** Page sizes held, as shifts (12 = 4 KiB, 16 = 64 KiB, 21 = 2 MiB, 30 = 1 GiB, 39, 48). */
  sizes: number[];
}

export interface TlbConfig {
  name: string;
  description: string;
  /** Where the geometry comes from. */
  source?: string;
  itlb: TlbArrayConfig[];
  dtlb: TlbArrayConfig[];
  /** Unified second-level TLB, probed on an L1 miss. */
  l2?: TlbArrayConfig[];
  /** Page-walk caches, one per non-leaf level. */
  pwc?: PwcConfig[];
  /** Every sfence.vma flushes everything (as QEMU does). */
  flushAllOnFence?: boolean;
  /** Seed of the random replacement policy. */
  seed?: number;
}

export type TlbLevel = "l1i" | "l1d" | "l2";

interface Arr {
  cfg: TlbArrayConfig;
  level: TlbLevel;
  base: number; // first slot
  sets: number;
  ways: number;
  /** sets - 1 when sets is a power of two (the set of a page is its low bits), else -1. */
  setMask: number;
  /** cfg.replacement as a number (REPL_*), for the fill path's switch. */
  repl: number;
  /** cfg.sizes, copied. */
  shifts: number[];
  /** Valid entries by the page size they hold (indexed by shift): a probe skips the sizes the
   *  array holds none of. */
  occ: Int32Array;
  /** PLRU: one byte per tree node, (ways - 1) nodes per set; sync time per set. */
  plru: Uint8Array;
  plruSync: Float64Array;
  /** Fills and evictions by the access kind (index r, w, x) whose miss caused them. */
  fillsBy: Float64Array;
  evictionsBy: Float64Array;
  /** The array's index in the model (its row in the per-array state). */
  idx: number;
  /** Valid entries that are pieces of a larger leaf (in TlbModel.ints at I_PIECES + idx), counted
   *  by leaf (leafVpn * 64 + leafShift) and by leaf size: a VA fence inside such a leaf must scan
   *  the whole array for its pieces. */
  pieceLeaves: Map<number, number>;
  pieceShifts: Map<number, number>;
  /** Hits by the slow path, per access kind index (r, w, x): a view of TlbModel.nums. */
  hits: Float64Array;
  /** 4 KiB pages per entry for each of cfg.sizes. */
  pages: number[];
}

export interface KindCounters {
  accesses: number;
  hits: number;
  misses: number;
}

export interface FlushCounters {
  all: number;
  asid: number;
  va: number;
  vaAsid: number;
  dropped: number;
}

const KINDS: readonly Access[] = ["r", "w", "x"];

/** A per-kind array as the counters show it. */
function byKind(v: Float64Array): Record<Access, number> {
  return { r: v[0]!, w: v[1]!, x: v[2]! };
}

const REPL_LRU = 0;
const REPL_PLRU = 1;
const REPL_FIFO = 2;
const REPL_RANDOM = 3;
const REPL_CODE: Record<Replacement, number> = {
  lru: REPL_LRU,
  plru: REPL_PLRU,
  fifo: REPL_FIFO,
  random: REPL_RANDOM,
};

/** The tag of a slot holding the piece of `shift` that starts at page `pvpn` (exact: pvpn is
 *  below 2^45, Sv57's VPN width); NO_KEY in a slot that holds nothing. */
function tagKey(pvpn: number, shift: number): number {
  return pvpn * 64 + shift;
}
const NO_KEY = -1;

/** A slot's record in TlbModel.rec: REC numbers, at these offsets. */
const REC = 8;
/** First 4 KiB page of the piece the slot holds, and its size (a shift). */
const R_VPN = 0;
const R_SHIFT = 1;
/** First page and size of the leaf the piece came from. */
const R_LEAF_VPN = 2;
const R_LEAF_SHIFT = 3;
/** Physical page of the piece's first page. */
const R_PPN = 4;
const R_ASID = 5;
/** The leaf's PTE flags, and the walk level it was found at. */
const R_PERM = 6;
const R_LEVEL = 7;

const LEVEL_NAMES: readonly TlbLevel[] = ["l1i", "l1d", "l2"];
const L1I = 0;
const L1D = 1;
const L2 = 2;

/** One page size of one array, as a probe reads it (the array's fields, flattened). */
interface ProbeEntry {
  occ: Int32Array;
  shift: number;
  pages: number;
  base: number;
  ways: number;
  setMask: number;
  sets: number;
}

/** Where a leaf of some size goes in a level: the array and the size of the pieces it holds. */
interface Placement {
  arr: Arr;
  shift: number;
  pages: number;
}

function pow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** The slots a model of `cfg` has (every array's entries, and the dummy slot). */
export function tlbSlotCount(cfg: TlbConfig): number {
  let n = 1;
  for (const a of [...cfg.itlb, ...cfg.dtlb, ...(cfg.l2 ?? [])]) n += a.entries;
  return n;
}

/** Bytes a model of `cfg` takes in an arena: its per-slot state (key, ASID tag, record, stamp,
 *  fill time, gen, array, three host-hit counters, and the host TLB's copy-list heads), its
 *  per-array state (PLRU trees and sync times) and its scalars (TlbModel.nums and ints), each
 *  piece rounded up to 8 bytes. */
export function tlbArenaBytes(cfg: TlbConfig): number {
  const n = tlbSlotCount(cfg);
  const up = (b: number): number => Math.ceil(b / 8) * 8;
  let plru = 0;
  let sync = 0;
  for (const a of [...cfg.itlb, ...cfg.dtlb, ...(cfg.l2 ?? [])]) {
    if (a.replacement !== "plru") continue;
    plru += (a.entries / a.ways) * Math.max(1, a.ways - 1);
    sync += a.entries / a.ways;
  }
  const perSlot = 8 + 4 + 8 * REC + 8 + 8 + 4 + 2 + 3 * 8 + 4;
  const walker = walkerArenaBytes(cfg.pwc ?? []);
  return up(n * perSlot) + 10 * 8 + up(plru) + 8 * sync + 8 * N_SIZE + up(4 * I_SIZE) + walker;
}

/** The most entries a TLB model holds in all its arrays: 16 times the largest L2 TLB of the
 *  presets (zen2's 2048), and within the Uint16Array slot-to-array index; 16 arrays at most. */
export const MAX_TLB_ENTRIES = 32768;
export const MAX_TLB_ARRAYS = 16;

/** TlbModel.nums, the model's f64 scalars: the counters by level and kind (N_KC + (level * 3 +
 *  kind) * 3 + 0 accesses, 1 hits, 2 misses), the slow path's hits, fills and evictions by array
 *  and kind (array * 3 + kind), the clock, the completed walks by kind * 64 + leaf shift and
 *  their memory references by kind. */
const N_KC = 0;
const N_HITS = 27;
const N_FILLS = N_HITS + MAX_TLB_ARRAYS * 3;
const N_EVICTIONS = N_FILLS + MAX_TLB_ARRAYS * 3;
const N_CLOCK = N_EVICTIONS + MAX_TLB_ARRAYS * 3;
const N_WALKS = N_CLOCK + 1;
const N_WALK_REFS = N_WALKS + 3 * 64;
const N_SIZE = N_WALK_REFS + 3;
/** TlbModel.ints, the model's i32 scalars: each array's valid entries by page size (I_OCC + array
 *  * 64 + shift) and its pieces (I_PIECES + array), and whether onEvent is set (I_EVENTS). */
const I_OCC = 0;
const I_PIECES = MAX_TLB_ARRAYS * 64;
const I_EVENTS = I_PIECES + MAX_TLB_ARRAYS;
const I_SIZE = I_EVENTS + 1;

/** Check an array's geometry; throws a message naming the array. */
export function validateArray(a: TlbArrayConfig): void {
  const where = `TLB array '${a.name}'`;
  if (!Number.isInteger(a.entries) || a.entries < 1 || a.entries > MAX_TLB_ENTRIES)
    throw new Error(`${where}: entries must be an integer from 1 to ${MAX_TLB_ENTRIES}`);
  if (!Number.isInteger(a.ways) || a.ways < 1 || a.entries % a.ways !== 0) {
    throw new Error(`${where}: ways (${a.ways}) must divide entries (${a.entries})`);
  }
  if (!REPLACEMENTS.includes(a.replacement)) {
    throw new Error(`${where}: replacement must be one of ${REPLACEMENTS.join(", ")}`);
  }
  if (a.replacement === "plru" && !pow2(a.ways))
    throw new Error(`${where}: tree-PLRU needs a power-of-two ways`);
  if (!a.sizes.length) throw new Error(`${where}: holds no page size`);
  for (const s of a.sizes) pageSizeName(s);
}

/** Check what the arrays make together: an ITLB and a DTLB, each level that has arrays able to
 *  hold a 4 KiB page (a miss at that level must have somewhere to go), and the bounds. */
function validateLevels(cfg: TlbConfig): void {
  const where = `TLB '${cfg.name}'`;
  if (!cfg.itlb.length || !cfg.dtlb.length) throw new Error(`${where}: needs an ITLB and a DTLB array`);
  const levels: [string, TlbArrayConfig[]][] = [
    ["itlb", cfg.itlb],
    ["dtlb", cfg.dtlb],
    ["l2", cfg.l2 ?? []],
  ];
  const all = levels.flatMap(([, arrays]) => arrays);
  if (all.length > MAX_TLB_ARRAYS)
    throw new Error(`${where}: ${all.length} arrays, at most ${MAX_TLB_ARRAYS}`);
  const entries = all.reduce((n, a) => n + a.entries, 0);
  if (entries > MAX_TLB_ENTRIES)
    throw new Error(`${where}: ${entries} entries in all, at most ${MAX_TLB_ENTRIES}`);
  for (const [name, arrays] of levels) {
    if (arrays.length && !arrays.some((a) => a.sizes.includes(12)))
      throw new Error(`${where}: no ${name} array holds 4 KiB pages (every level needs one)`);
  }
}

export class TlbModel {
  readonly cfg: TlbConfig;
  private readonly arrays: Arr[] = [];
  /** The arrays of each level, by level index (L1I, L1D, L2). */
  private readonly byLevel: Arr[][] = [[], [], []];
  /** What a probe of each level looks at: each of its arrays' page sizes, in order. */
  private readonly probes: ProbeEntry[][] = [[], [], []];
  readonly slots: number;
  /** A slot that never holds an entry and whose gen never changes: host-TLB entries made while
   *  translation is off point at it. */
  readonly dummySlot: number;
  // Per-slot state.
  /** tagKey() of the piece a valid slot holds, NO_KEY in an invalid one (the slot is valid iff
   *  its key is not NO_KEY): one compare per way. */
  private readonly key: Float64Array;
  /** -1 for a global entry, else its ASID: a probe's second compare (and the G bit). */
  private readonly asidTag: Int32Array;
  /** The rest of a slot's entry, one record of REC numbers per slot (the R_* fields), so that
   *  copying an entry touches two records rather than a cache line per field. */
  private readonly rec: Float64Array;
  /** Last use (LRU, PLRU replay); written by the host TLB on its hits too. */
  readonly stamp: Float64Array;
  private readonly inserted: Float64Array;
  /** Bumped whenever a slot stops holding its entry: host copies compare against it. */
  readonly gen: Int32Array;
  /** Hits served by the host TLB from each slot, by kind (added into the counters on read). */
  readonly hostHits: Record<Access, Float64Array>;
  private readonly slotArr: Uint16Array;
  /** The f64 scalars (N_*: counters by level and kind, the slow path's hits, fills and evictions
   *  by array and kind, the clock) and the i32 ones (I_*: occupancy, pieces, events). */
  private readonly nums: Float64Array;
  private readonly ints: Int32Array;
  /** Tree-PLRU bits and sync times of every PLRU array (each Arr's plru and plruSync a view). */
  private readonly plruBits: Uint8Array;
  private readonly plruSyncs: Float64Array;
  private rng: number;
  readonly flushes: FlushCounters = { all: 0, asid: 0, va: 0, vaAsid: 0, dropped: 0 };
  /** Completed walks by access kind and leaf shift (in the order each shift was first seen), and
   *  their memory references. */
  get walks(): Record<Access, Map<number, number>> {
    const of = (k: number): Map<number, number> =>
      new Map(this.walkShifts[k]!.map((sh) => [sh, this.nums[N_WALKS + k * 64 + sh]!]));
    return { r: of(0), w: of(1), x: of(2) };
  }
  /** The memory references of the completed walks, by kind. */
  get walkRefs(): Record<Access, number> {
    const c = this.nums;
    return { r: c[N_WALK_REFS]!, w: c[N_WALK_REFS + 1]!, x: c[N_WALK_REFS + 2]! };
  }
  /** The leaf shifts of each kind's completed walks in first-seen order (a walk of a shift not
   *  yet seen is recorded only here, by recordWalk: the wasm slow path leaves it to JS). */
  private readonly walkShifts: number[][] = [[], [], []];
  /** Called when entries are dropped (fills that evict, flushes): trace hook. */
  get onEvent(): ((ev: TlbEvent) => void) | null {
    return this.eventHook;
  }
  set onEvent(f: ((ev: TlbEvent) => void) | null) {
    this.eventHook = f;
    this.ints[I_EVENTS] = f === null ? 0 : 1;
  }
  private eventHook: ((ev: TlbEvent) => void) | null = null;
  /** Called with each slot that stops holding its entry (eviction, flush), so that a host-side
   *  cache can drop its copies of it at once. */
  onDrop: ((slot: number) => void) | null = null;

  /** `arena`: where the model's state lives (translated code updates stamps and host-served
   *  hit counters inline, and the slow path in wasm reads and writes the rest: tlbArenaBytes);
   *  without one (or without room in it) each piece gets its own array. */
  constructor(cfg: TlbConfig, arena: Arena | null = null) {
    this.cfg = cfg;
    validateLevels(cfg);
    const all = [...cfg.itlb, ...cfg.dtlb, ...(cfg.l2 ?? [])];
    const n = tlbSlotCount(cfg);
    this.stamp = arenaArray(arena, Float64Array, n);
    this.hostHits = {
      r: arenaArray(arena, Float64Array, n),
      w: arenaArray(arena, Float64Array, n),
      x: arenaArray(arena, Float64Array, n),
    };
    this.key = arenaArray(arena, Float64Array, n).fill(NO_KEY);
    this.asidTag = arenaArray(arena, Int32Array, n);
    this.rec = arenaArray(arena, Float64Array, n * REC);
    this.inserted = arenaArray(arena, Float64Array, n);
    this.gen = arenaArray(arena, Int32Array, n);
    this.slotArr = arenaArray(arena, Uint16Array, n);
    this.nums = arenaArray(arena, Float64Array, N_SIZE);
    this.ints = arenaArray(arena, Int32Array, I_SIZE);
    const plru = all.filter((a) => a.replacement === "plru");
    this.plruBits = arenaArray(
      arena,
      Uint8Array,
      plru.reduce((t, a) => t + (a.entries / a.ways) * Math.max(1, a.ways - 1), 0),
    );
    this.plruSyncs = arenaArray(
      arena,
      Float64Array,
      plru.reduce((t, a) => t + a.entries / a.ways, 0),
    );
    let bits = 0;
    let syncs = 0;
    let base = 0;
    const add = (level: TlbLevel, a: TlbArrayConfig): void => {
      validateArray(a);
      const sets = a.entries / a.ways;
      const idx = this.arrays.length;
      const isPlru = a.replacement === "plru";
      const nBits = isPlru ? sets * Math.max(1, a.ways - 1) : 0;
      const nSync = isPlru ? sets : 0;
      const arr: Arr = {
        cfg: a,
        level,
        base,
        sets,
        ways: a.ways,
        setMask: pow2(sets) ? sets - 1 : -1,
        repl: REPL_CODE[a.replacement],
        shifts: [...a.sizes],
        occ: this.ints.subarray(I_OCC + idx * 64, I_OCC + idx * 64 + 64),
        plru: this.plruBits.subarray(bits, bits + nBits),
        plruSync: this.plruSyncs.subarray(syncs, syncs + nSync),
        fillsBy: this.nums.subarray(N_FILLS + idx * 3, N_FILLS + idx * 3 + 3),
        evictionsBy: this.nums.subarray(N_EVICTIONS + idx * 3, N_EVICTIONS + idx * 3 + 3),
        idx,
        pieceLeaves: new Map(),
        pieceShifts: new Map(),
        hits: this.nums.subarray(N_HITS + idx * 3, N_HITS + idx * 3 + 3),
        pages: a.sizes.map((sh) => 2 ** (sh - 12)),
      };
      base += a.entries;
      bits += nBits;
      syncs += nSync;
      this.arrays.push(arr);
      const li = LEVEL_NAMES.indexOf(level);
      this.byLevel[li]!.push(arr);
      arr.shifts.forEach((shift, i) => {
        const { base: b, ways, setMask, sets, occ } = arr;
        this.probes[li]!.push({ occ, shift, pages: arr.pages[i]!, base: b, ways, setMask, sets });
      });
    };
    for (const a of cfg.itlb) add("l1i", a);
    for (const a of cfg.dtlb) add("l1d", a);
    for (const a of cfg.l2 ?? []) add("l2", a);
    this.slots = base;
    this.dummySlot = base;
    if (base + 1 !== n) throw new Error(`TLB '${cfg.name}': ${base + 1} slots laid out, ${n} counted`);
    this.plruBest = new Float64Array(Math.max(...this.arrays.map((a) => a.cfg.ways)));
    this.arrays.forEach((a, i) => {
      this.slotArr.fill(i, a.base, a.base + a.cfg.entries);
    });
    this.rng = (cfg.seed ?? 0x2545f491) >>> 0 || 1;
    this.arena = arena;
  }

  private readonly arena: Arena | null;

  /** Where the model's state lies in its arena, for a slow path in wasm (cpu/jit/slowpath.ts)
   *  that serves L1 and L2 hits as lookup() does; null if any of it is not in the arena. */
  wasmLayout(): TlbWasmLayout | null {
    const arena = this.arena;
    const views = [
      this.key,
      this.asidTag,
      this.rec,
      this.stamp,
      this.inserted,
      this.gen,
      this.slotArr,
      this.nums,
      this.ints,
      this.plruBits,
      this.plruSyncs,
    ];
    if (arena === null || !views.every((v) => arena.holds(v))) return null;
    const probe = (li: number): TlbWasmProbe[] =>
      this.probes[li]!.map((p) => ({
        arr: this.arrays.findIndex((a) => a.occ === p.occ),
        shift: p.shift,
        pagesLog: p.shift - 12,
        base: p.base,
        ways: p.ways,
        setMask: p.setMask,
        sets: p.sets,
      }));
    const place = (li: number): Map<number, { arr: number; shift: number }> => {
      const m = new Map<number, { arr: number; shift: number }>();
      for (let shift = 12; shift < 64; shift++) {
        try {
          const p = this.placement(li, shift);
          m.set(shift, { arr: p.arr.idx, shift: p.shift });
        } catch {
          // no array of the level holds it: lookup() would throw, the wasm path leaves it to JS
        }
      }
      return m;
    };
    return {
      key: this.key.byteOffset,
      asidTag: this.asidTag.byteOffset,
      rec: this.rec.byteOffset,
      stamp: this.stamp.byteOffset,
      inserted: this.inserted.byteOffset,
      gen: this.gen.byteOffset,
      slotArr: this.slotArr.byteOffset,
      nums: this.nums.byteOffset,
      ints: this.ints.byteOffset,
      arrays: this.arrays.map((a) => ({
        base: a.base,
        ways: a.ways,
        sets: a.sets,
        setMask: a.setMask,
        repl: a.cfg.replacement,
        plru: a.plru.byteOffset,
        plruSync: a.plruSync.byteOffset,
      })),
      probeL1D: probe(L1D),
      probeL2: probe(L2),
      placeL1D: place(L1D),
      placeL2: place(L2),
      walker: null,
    };
  }

  /** Counters by level and kind (the slow path's; levelCounters() adds the host TLB's hits). */
  get levels(): Record<TlbLevel, Record<Access, KindCounters>> {
    const c = this.nums;
    const kind = (l: number, k: number): KindCounters => {
      const at = N_KC + (l * 3 + k) * 3;
      return { accesses: c[at]!, hits: c[at + 1]!, misses: c[at + 2]! };
    };
    const level = (l: number): Record<Access, KindCounters> => ({
      r: kind(l, 0),
      w: kind(l, 1),
      x: kind(l, 2),
    });
    return { l1i: level(L1I), l1d: level(L1D), l2: level(L2) };
  }

  /** The model's time, for replacement: the caller's monotonic count of steps (the host TLB
   *  stamps its hits with the same count). Call before lookup() and fill(). */
  setClock(now: number): void {
    const c = this.nums;
    if (now > c[N_CLOCK]!) c[N_CLOCK] = now;
  }

  /** Find the entry for `vpn` in `asid`: probes the L1 of `kind`, then the L2 (an L2 hit is
   *  copied into the L1). Returns the L1 slot, or -1 on a miss everywhere. Counts the access. */
  lookup(kind: Access, vpn: number, asid: number): number {
    const k = kindIndex(kind);
    const l1 = k === 2 ? L1I : L1D;
    const c = this.nums;
    const c1 = N_KC + (l1 * 3 + k) * 3;
    c[c1]++;
    const s = this.probe(this.probes[l1]!, vpn, asid);
    if (s >= 0) {
      c[c1 + 1]++;
      c[N_HITS + this.slotArr[s]! * 3 + k]++;
      this.stamp[s] = c[N_CLOCK]!;
      return s;
    }
    c[c1 + 2]++;
    const l2 = this.probes[L2]!;
    if (l2.length === 0) return -1;
    const c2 = N_KC + (L2 * 3 + k) * 3;
    c[c2]++;
    const s2 = this.probe(l2, vpn, asid);
    if (s2 < 0) {
      c[c2 + 2]++;
      return -1;
    }
    c[c2 + 1]++;
    c[N_HITS + this.slotArr[s2]! * 3 + k]++;
    this.stamp[s2] = c[N_CLOCK]!;
    return this.copyIn(l1, k, vpn, s2);
  }

  /** Enter the leaf a walk found (for the access to `vpn`) into the L1 of `kind` and the L2.
   *  Returns the L1 slot. */
  fill(kind: Access, vpn: number, leaf: LeafEntry): number {
    const k = kindIndex(kind);
    if (this.byLevel[L2]!.length) this.insert(L2, k, vpn, leaf);
    return this.insert(k === 2 ? L1I : L1D, k, vpn, leaf);
  }

  /** Record a completed walk for the counters. */
  recordWalk(kind: Access, shift: number, refs: number): void {
    const k = kindIndex(kind);
    if (this.nums[N_WALKS + k * 64 + shift]!++ === 0) this.walkShifts[k]!.push(shift);
    this.nums[N_WALK_REFS + k] += refs;
  }

  /** Update the permission byte of the entry in `slot` (after an A/D update in memory). */
  setPerm(slot: number, perm: number): void {
    this.rec[slot * REC + R_PERM] = perm;
  }

  /** The permission byte (PTE flags) of the entry in `slot`. */
  permOf(slot: number): number {
    return this.rec[slot * REC + R_PERM]!;
  }

  /** The physical page that page `vpn` maps to by the entry in `slot` (which covers it). */
  ppnOf(slot: number, vpn: number): number {
    const r = slot * REC;
    return this.rec[r + R_PPN]! + (vpn - this.rec[r + R_VPN]!);
  }

  /** sfence.vma: vpn/asid undefined stand for rs1/rs2 = x0. */
  sfence(vpn: number | undefined, asid: number | undefined): void {
    const f = this.flushes;
    if (vpn === undefined && asid === undefined) f.all++;
    else if (vpn === undefined) f.asid++;
    else if (asid === undefined) f.va++;
    else f.vaAsid++;
    const everything = this.cfg.flushAllOnFence === true || (vpn === undefined && asid === undefined);
    let dropped = 0;
    const consider = (s: number): void => {
      if (this.key[s] === NO_KEY) return;
      if (!everything) {
        if (asid !== undefined && (this.asidTag[s] === -1 || this.rec[s * REC + R_ASID] !== asid)) return;
        if (vpn !== undefined && !this.leafCovers(s, vpn)) return;
      }
      this.drop(s);
      dropped++;
    };
    for (const a of this.arrays) {
      const end = a.base + a.cfg.entries;
      if (everything || vpn === undefined || this.holdsPiecesOf(a, vpn)) {
        // Every slot may match (pieces of a leaf sit in sets other than the fenced VA's).
        for (let s = a.base; s < end; s++) consider(s);
        continue;
      }
      // Only the sets the VA indexes, one per page size the array holds.
      for (const pages of a.pages) {
        const first = a.base + this.setOf(a, pages === 1 ? vpn : Math.floor(vpn / pages)) * a.ways;
        for (let s = first; s < first + a.ways; s++) consider(s);
      }
    }
    f.dropped += dropped;
    this.onEvent?.({ type: "flush", vpn, asid, dropped });
  }

  /** Counters per level and kind, including the hits the host TLB served. */
  levelCounters(): Record<TlbLevel, Record<Access, KindCounters>> {
    const out = structuredClone(this.levels);
    for (const kind of KINDS) {
      const hh = this.hostHits[kind];
      let n = 0;
      for (let s = 0; s < this.slots; s++) n += hh[s]!;
      const l = out[kind === "x" ? "l1i" : "l1d"][kind];
      l.accesses += n;
      l.hits += n;
    }
    return out;
  }

  /** Per-array counters (hits include the host TLB's). */
  arrayCounters(): {
    name: string;
    level: TlbLevel;
    entries: number;
    ways: number;
    replacement: Replacement;
    hits: Record<Access, number>;
    fills: number;
    evictions: number;
    fillsByKind: Record<Access, number>;
    evictionsByKind: Record<Access, number>;
    occupied: number;
  }[] {
    return this.arrays.map((a) => {
      const hits = byKind(a.hits);
      let occupied = 0;
      for (let s = a.base; s < a.base + a.cfg.entries; s++) {
        for (const k of KINDS) hits[k] += this.hostHits[k][s]!;
        if (this.key[s] !== NO_KEY) occupied++;
      }
      return {
        name: a.cfg.name,
        level: a.level,
        entries: a.cfg.entries,
        ways: a.cfg.ways,
        replacement: a.cfg.replacement,
        hits,
        fills: a.fillsBy[0]! + a.fillsBy[1]! + a.fillsBy[2]!,
        fillsByKind: byKind(a.fillsBy),
        evictionsByKind: byKind(a.evictionsBy),
        evictions: a.evictionsBy[0]! + a.evictionsBy[1]! + a.evictionsBy[2]!,
        occupied,
      };
    });
  }

  /** The valid entries, for `tlb` in the kernel console and for tests. */
  entries(): TlbEntryView[] {
    const out: TlbEntryView[] = [];
    for (let s = 0; s < this.slots; s++) {
      if (this.key[s] === NO_KEY) continue;
      const r = s * REC;
      const rec = this.rec;
      const a = this.arrays[this.slotArr[s]!]!;
      out.push({
        slot: s,
        array: a.cfg.name,
        level: a.level,
        vpn: rec[r + R_VPN]!,
        shift: rec[r + R_SHIFT]!,
        leafVpn: rec[r + R_LEAF_VPN]!,
        leafShift: rec[r + R_LEAF_SHIFT]!,
        ppn: rec[r + R_PPN]!,
        asid: rec[r + R_ASID]!,
        global: this.asidTag[s] === -1,
        perm: rec[r + R_PERM]!,
        leafLevel: rec[r + R_LEVEL]!,
      });
    }
    return out;
  }

  /** Index of the array a slot belongs to, and that array's level and name. */
  slotInfo(slot: number): { array: string; level: TlbLevel } {
    const a = this.arrays[this.slotArr[slot]!]!;
    return { array: a.cfg.name, level: a.level };
  }

  // ---- internals ----

  /** The slot of `arrs` that holds `vpn` for `asid`, or -1: per array, per page size it holds
   *  any entry of, the ways of the set that size indexes. */
  private probe(list: ProbeEntry[], vpn: number, asid: number): number {
    const key = this.key;
    const asidTag = this.asidTag;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      if (p.occ[p.shift] === 0) continue;
      const pages = p.pages;
      let first: number;
      let want: number;
      if (pages === 1) {
        want = vpn * 64 + p.shift;
        // vpn >>> 0 keeps vpn's low 32 bits (vpn < 2^45): enough for a power-of-two mask
        first = p.base + (p.setMask >= 0 ? (vpn >>> 0) & p.setMask : vpn % p.sets) * p.ways;
      } else {
        const idx = Math.floor(vpn / pages);
        want = idx * pages * 64 + p.shift;
        first = p.base + (p.setMask >= 0 ? (idx >>> 0) & p.setMask : idx % p.sets) * p.ways;
      }
      const end = first + p.ways;
      for (let s = first; s < end; s++) {
        if (key[s] === want) {
          const t = asidTag[s]!;
          if (t < 0 || t === asid) return s;
        }
      }
    }
    return -1;
  }

  /** The set of `a` that page-size index `idx` (a VPN divided by the pages per entry) maps to. */
  private setOf(a: Arr, idx: number): number {
    // idx >>> 0 keeps idx's low 32 bits (idx < 2^45): enough for a power-of-two mask
    return a.setMask >= 0 ? (idx >>> 0) & a.setMask : idx % a.sets;
  }

  /** Copy the leaf L2 slot `s2` holds (a piece of) into the L1 `level`, as insert() would
   *  enter it, without going through a LeafEntry; returns the L1 slot. */
  private copyIn(level: number, k: number, vpn: number, s2: number): number {
    const rec = this.rec;
    const r2 = s2 * REC;
    const leafShift = rec[r2 + R_LEAF_SHIFT]!;
    const p = this.placement(level, leafShift);
    const v = this.place(p, k, vpn);
    const leafVpn = rec[r2 + R_LEAF_VPN]!;
    const ppnBase = rec[r2 + R_PPN]! - (rec[r2 + R_VPN]! - leafVpn);
    this.enter(v, p, leafVpn, leafShift, ppnBase, rec[r2 + R_ASID]!);
    this.asidTag[v] = this.asidTag[s2]!;
    rec[v * REC + R_PERM] = rec[r2 + R_PERM]!;
    rec[v * REC + R_LEVEL] = rec[r2 + R_LEVEL]!;
    return this.filled(p, k, v);
  }

  /** Put (the piece for `vpn` of) `leaf` into `level`; returns its slot. */
  private insert(level: number, k: number, vpn: number, leaf: LeafEntry): number {
    const p = this.placement(level, leaf.shift);
    const v = this.place(p, k, vpn);
    this.enter(v, p, leaf.vpnBase, leaf.shift, leaf.ppnBase, leaf.asid);
    this.asidTag[v] = leaf.global ? -1 : leaf.asid;
    this.rec[v * REC + R_PERM] = leaf.perm;
    this.rec[v * REC + R_LEVEL] = leaf.level;
    return this.filled(p, k, v);
  }

  /** The slot of placement `p` that the piece for `vpn` goes to: its set's victim, evicted (an
   *  eviction counted against kind index `k`) if it held an entry. The slot's key and page are
   *  set; enter() and the caller set the rest. */
  private place(p: Placement, k: number, vpn: number): number {
    const arr = p.arr;
    const pages = p.pages;
    const idx = pages === 1 ? vpn : Math.floor(vpn / pages);
    const victim = this.victim(arr, this.setOf(arr, idx));
    if (this.key[victim] !== NO_KEY) {
      arr.evictionsBy[k]++;
      if (this.onEvent !== null) {
        this.onEvent({
          type: "evict",
          array: arr.cfg.name,
          vpn: this.rec[victim * REC + R_VPN]!,
          shift: this.rec[victim * REC + R_SHIFT]!,
        });
      }
      this.drop(victim);
    }
    const pvpn = idx * pages;
    this.key[victim] = tagKey(pvpn, p.shift);
    this.rec[victim * REC + R_VPN] = pvpn;
    arr.occ[p.shift]!++;
    return victim;
  }

  /** Slot `v` (placed for `p`) holds a piece of the leaf at (leafVpn, leafShift) mapped to
   *  ppnBase, in `asid`. */
  private enter(
    v: number,
    p: Placement,
    leafVpn: number,
    leafShift: number,
    ppnBase: number,
    asid: number,
  ): void {
    const rec = this.rec;
    const r = v * REC;
    rec[r + R_SHIFT] = p.shift;
    rec[r + R_LEAF_VPN] = leafVpn;
    rec[r + R_LEAF_SHIFT] = leafShift;
    rec[r + R_PPN] = ppnBase + (rec[r + R_VPN]! - leafVpn);
    rec[r + R_ASID] = asid;
    if (p.shift !== leafShift) this.countPiece(p.arr, leafVpn, leafShift, 1);
  }

  /** The fill of slot `v` is complete: stamp it and count it (kind index `k`). */
  private filled(p: Placement, k: number, v: number): number {
    const now = this.nums[N_CLOCK]!;
    this.inserted[v] = now;
    this.stamp[v] = now;
    p.arr.fillsBy[k]++;
    if (this.onEvent !== null) {
      this.onEvent({
        type: "fill",
        array: p.arr.cfg.name,
        vpn: this.rec[v * REC + R_VPN]!,
        shift: p.shift,
        ppn: this.rec[v * REC + R_PPN]!,
      });
    }
    return v;
  }

  /** The array of `level` that holds `shift`, or else the one with the largest smaller size
   *  (computed once per level and size). */
  private placement(level: number, shift: number): Placement {
    const key = level * 64 + shift;
    let p = this.placements[key];
    if (!p) {
      p = this.findPlacement(level, shift);
      this.placements[key] = p;
    }
    return p;
  }

  private readonly placements: (Placement | undefined)[] = new Array(3 * 64).fill(undefined);

  private findPlacement(level: number, shift: number): Placement {
    let best: Placement | null = null;
    for (const a of this.byLevel[level]!) {
      for (const s of a.cfg.sizes) {
        if (s === shift) return { arr: a, shift: s, pages: 2 ** (s - 12) };
        if (s < shift && (!best || s > best.shift)) best = { arr: a, shift: s, pages: 2 ** (s - 12) };
      }
    }
    if (!best)
      throw new Error(
        `TLB '${this.cfg.name}': no ${LEVEL_NAMES[level]} array can hold a ${pageSizeName(shift)} page`,
      );
    return best;
  }

  private leafCovers(s: number, vpn: number): boolean {
    const base = this.rec[s * REC + R_LEAF_VPN]!;
    return vpn >= base && vpn < base + 2 ** (this.rec[s * REC + R_LEAF_SHIFT]! - 12);
  }

  private drop(s: number): void {
    this.key[s] = NO_KEY;
    const a = this.arrays[this.slotArr[s]!]!;
    const rec = this.rec;
    const r = s * REC;
    const shift = rec[r + R_SHIFT]!;
    a.occ[shift]!--;
    if (shift !== rec[r + R_LEAF_SHIFT]) this.countPiece(a, rec[r + R_LEAF_VPN]!, rec[r + R_LEAF_SHIFT]!, -1);
    this.gen[s] = (this.gen[s]! + 1) | 0;
    this.onDrop?.(s);
  }

  private countPiece(a: Arr, leafVpn: number, leafShift: number, d: number): void {
    this.ints[I_PIECES + a.idx] += d;
    const key = leafVpn * 64 + leafShift;
    const n = (a.pieceLeaves.get(key) ?? 0) + d;
    if (n) a.pieceLeaves.set(key, n);
    else a.pieceLeaves.delete(key);
    const m = (a.pieceShifts.get(leafShift) ?? 0) + d;
    if (m) a.pieceShifts.set(leafShift, m);
    else a.pieceShifts.delete(leafShift);
  }

  /** Does `a` hold pieces of a leaf that contains `vpn`? */
  private holdsPiecesOf(a: Arr, vpn: number): boolean {
    if (this.ints[I_PIECES + a.idx] === 0) return false;
    for (const leafShift of a.pieceShifts.keys()) {
      const pages = 2 ** (leafShift - 12);
      if (a.pieceLeaves.has((vpn - (vpn % pages)) * 64 + leafShift)) return true;
    }
    return false;
  }

  private victim(a: Arr, set: number): number {
    const ways = a.ways;
    const first = a.base + set * ways;
    const key = this.key;
    for (let s = first; s < first + ways; s++) if (key[s] === NO_KEY) return s;
    switch (a.repl) {
      case REPL_LRU:
        return this.oldest(first, ways, this.stamp);
      case REPL_FIFO:
        return this.oldest(first, ways, this.inserted);
      case REPL_RANDOM:
        return first + (this.nextRandom() % ways);
      default:
        return first + this.plruVictim(a, set);
    }
  }

  private oldest(first: number, ways: number, t: Float64Array): number {
    let v = first;
    for (let s = first + 1; s < first + ways; s++) if (t[s]! < t[v]!) v = s;
    return v;
  }

  /** Tree-PLRU: bring the set's tree up to date with the uses since the last sync, then follow
   *  it away from recent use. Replaying those uses in time order would leave each node pointing
   *  away from the last use under it: the latest stamp in its subtree, the higher way on a tie
   *  (a use at the sync instant itself counts again: re-applying it is harmless). */
  private plruVictim(a: Arr, set: number): number {
    const ways = a.ways;
    if (ways === 1) return 0;
    const first = a.base + set * ways;
    const sync = a.plruSync[set]!;
    const tree = set * (ways - 1);
    const bits = a.plru;
    if (ways === 4) {
      a.plruSync[set] = this.nums[N_CLOCK]!;
      return this.plru4(bits, tree, first, sync);
    }
    const stamp = this.stamp;
    const best = this.plruBest;
    for (let i = 0; i < ways - 1; i++) best[i] = -Infinity;
    for (let w = 0; w < ways; w++) {
      const t = stamp[first + w]!;
      if (t < sync) continue;
      let node = 0;
      let lo = 0;
      let span = ways;
      while (span > 1) {
        span >>= 1;
        const inRight = w >= lo + span;
        if (t >= best[node]!) {
          best[node] = t;
          bits[tree + node] = inRight ? 0 : 1;
        }
        if (inRight) lo += span;
        node = 2 * node + (inRight ? 2 : 1);
      }
    }
    a.plruSync[set] = this.nums[N_CLOCK]!;
    let node = 0;
    let lo = 0;
    let span = ways;
    while (span > 1) {
      span >>= 1;
      const right = bits[tree + node] === 1; // 1: the victim is in the right half
      if (right) lo += span;
      node = 2 * node + (right ? 2 : 1);
    }
    return lo;
  }

  /** plruVictim for 4 ways, unrolled: nodes 0 (root), 1 (ways 0-1), 2 (ways 2-3). */
  private plru4(bits: Uint8Array, tree: number, first: number, sync: number): number {
    const stamp = this.stamp;
    // the latest use in each half (-Infinity: none), the higher way on a tie
    const left = pointPair(bits, tree + 1, stamp[first]!, stamp[first + 1]!, sync);
    const right = pointPair(bits, tree + 2, stamp[first + 2]!, stamp[first + 3]!, sync);
    if (right !== -Infinity && right >= left) bits[tree] = 0;
    else if (left !== -Infinity) bits[tree] = 1;
    return bits[tree] === 1 ? 2 + bits[tree + 2]! : bits[tree + 1]!;
  }

  /** Scratch for plruVictim: per tree node of the widest array, the latest use under it. */
  private plruBest = new Float64Array(0);

  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}

/** Tree-PLRU node `at` over two ways last used at tLo and tHi: point it away from the later
 *  use since `sync` (the higher way on a tie); returns that use, -Infinity if neither was. */
function pointPair(bits: Uint8Array, at: number, tLo: number, tHi: number, sync: number): number {
  if (tHi >= sync && (tLo < sync || tHi >= tLo)) {
    bits[at] = 0;
    return tHi;
  }
  if (tLo >= sync) {
    bits[at] = 1;
    return tLo;
  }
  return -Infinity;
}

/** One page size of one array as a probe reads it (TlbModel.wasmLayout). */
export interface TlbWasmProbe {
  arr: number;
  shift: number;
  pagesLog: number;
  base: number;
  ways: number;
  setMask: number;
  sets: number;
}

/** A TLB model's state in its arena (byte offsets) and geometry, for a slow path in wasm. The
 *  f64 scalars at `nums` and i32 ones at `ints` are indexed by TLB_N and TLB_I; a slot's record
 *  is TLB_REC f64s at rec + 8 * TLB_REC * slot (TLB_R fields). */
export interface TlbWasmLayout {
  key: number;
  asidTag: number;
  rec: number;
  stamp: number;
  inserted: number;
  gen: number;
  slotArr: number;
  nums: number;
  ints: number;
  arrays: {
    base: number;
    ways: number;
    sets: number;
    setMask: number;
    repl: Replacement;
    plru: number;
    plruSync: number;
  }[];
  /** What a probe of the L1 data TLB and of the L2 looks at, in order. */
  probeL1D: TlbWasmProbe[];
  probeL2: TlbWasmProbe[];
  /** Where a leaf of each size goes in the L1 data TLB and in the L2: the array and its
   *  pieces' size. */
  placeL1D: Map<number, { arr: number; shift: number }>;
  placeL2: Map<number, { arr: number; shift: number }>;
  /** The walker's state, for walks in wasm (set by the owner of the walker: cpu/paging.ts);
   *  null: a miss in the L2 goes to JS. */
  walker: WalkerWasmLayout | null;
}

/** A walker's state in the arena: its counters (f64s, WALK_N) and its page-walk caches. */
export interface WalkerWasmLayout {
  counts: number;
  pwc: PwcWasmLayout | null;
}

export const TLB_N = {
  KC: N_KC,
  HITS: N_HITS,
  FILLS: N_FILLS,
  EVICTIONS: N_EVICTIONS,
  CLOCK: N_CLOCK,
  WALKS: N_WALKS,
  WALK_REFS: N_WALK_REFS,
} as const;
export const TLB_I = { OCC: I_OCC, PIECES: I_PIECES, EVENTS: I_EVENTS } as const;
export const TLB_REC = REC;
export const TLB_R = {
  VPN: R_VPN,
  SHIFT: R_SHIFT,
  LEAF_VPN: R_LEAF_VPN,
  LEAF_SHIFT: R_LEAF_SHIFT,
  PPN: R_PPN,
  ASID: R_ASID,
  PERM: R_PERM,
  LEVEL: R_LEVEL,
} as const;
export const TLB_NO_KEY = NO_KEY;

/** A leaf translation as the TLB keeps it. */
export interface LeafEntry {
  vpnBase: number;
  shift: number;
  ppnBase: number;
  asid: number;
  global: boolean;
  perm: number;
  level: number;
}

/** A LeafEntry to be rewritten per use (the miss path passes one object, allocating nothing). */
export function blankLeaf(): LeafEntry {
  return { vpnBase: 0, shift: 12, ppnBase: 0, asid: 0, global: false, perm: 0, level: 0 };
}

export interface TlbEntryView {
  slot: number;
  array: string;
  level: TlbLevel;
  vpn: number;
  shift: number;
  leafVpn: number;
  leafShift: number;
  ppn: number;
  asid: number;
  global: boolean;
  perm: number;
  leafLevel: number;
}

export type TlbEvent =
  | { type: "fill"; array: string; vpn: number; shift: number; ppn: number }
  | { type: "evict"; array: string; vpn: number; shift: number }
  | { type: "flush"; vpn: number | undefined; asid: number | undefined; dropped: number };
