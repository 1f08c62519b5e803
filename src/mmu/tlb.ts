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
import type { PwcConfig } from "./pwc.js";
import { type Access, kindIndex } from "./walk.js";

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
  /** Valid entries that are pieces of a larger leaf, counted by leaf (leafVpn * 64 + leafShift)
   *  and by leaf size: a VA fence inside such a leaf must scan the whole array for its pieces. */
  pieces: number;
  pieceLeaves: Map<number, number>;
  pieceShifts: Map<number, number>;
  /** Hits by the slow path, per access kind index (r, w, x): a view of the model's hitsBy. */
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

/** Bytes a model of `cfg` takes in an arena (its stamps and three hit-counter arrays). */
export function tlbArenaBytes(cfg: TlbConfig): number {
  return 4 * 8 * tlbSlotCount(cfg) + 4 * 8;
}

/** The most entries a TLB model holds in all its arrays: 16 times the largest L2 TLB of the
 *  presets (zen2's 2048), and within the Uint16Array slot-to-array index; 16 arrays at most. */
export const MAX_TLB_ENTRIES = 32768;
export const MAX_TLB_ARRAYS = 16;

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
  /** Hits by the slow path, by array index * 3 + kind index (each Arr's `hits` is a view). */
  private readonly hitsBy = new Float64Array(MAX_TLB_ARRAYS * 3);
  /** Counters by level and kind, indexed level * 3 + kind (the objects of `levels`). */
  private readonly kc: KindCounters[];
  private clock = 0;
  private rng: number;
  readonly levels: Record<TlbLevel, Record<Access, KindCounters>>;
  readonly flushes: FlushCounters = { all: 0, asid: 0, va: 0, vaAsid: 0, dropped: 0 };
  /** Completed walks by access kind and leaf shift (in the order each shift was first seen), and
   *  their memory references. */
  get walks(): Record<Access, Map<number, number>> {
    const of = (k: number): Map<number, number> =>
      new Map(this.walkShifts[k]!.map((sh) => [sh, this.walkCount[k * 64 + sh]!]));
    return { r: of(0), w: of(1), x: of(2) };
  }
  readonly walkRefs: Record<Access, number> = { r: 0, w: 0, x: 0 };
  /** Walks by kind index * 64 + leaf shift; the shifts of each kind in first-seen order. */
  private readonly walkCount = new Float64Array(3 * 64);
  private readonly walkShifts: number[][] = [[], [], []];
  /** Called when entries are dropped (fills that evict, flushes): trace hook. */
  onEvent: ((ev: TlbEvent) => void) | null = null;
  /** Called with each slot that stops holding its entry (eviction, flush), so that a host-side
   *  cache can drop its copies of it at once. */
  onDrop: ((slot: number) => void) | null = null;

  /** `arena`: where the stamps and host-served hit counters live (translated code updates them
   *  inline); without one (or without room in it) they get their own arrays. */
  constructor(cfg: TlbConfig, arena: Arena | null = null) {
    this.cfg = cfg;
    validateLevels(cfg);
    let base = 0;
    const add = (level: TlbLevel, a: TlbArrayConfig): void => {
      validateArray(a);
      const sets = a.entries / a.ways;
      const arr: Arr = {
        cfg: a,
        level,
        base,
        sets,
        ways: a.ways,
        setMask: pow2(sets) ? sets - 1 : -1,
        repl: REPL_CODE[a.replacement],
        shifts: [...a.sizes],
        occ: new Int32Array(64),
        plru: new Uint8Array(a.replacement === "plru" ? sets * Math.max(1, a.ways - 1) : 0),
        plruSync: new Float64Array(a.replacement === "plru" ? sets : 0),
        fillsBy: new Float64Array(3),
        evictionsBy: new Float64Array(3),
        pieces: 0,
        pieceLeaves: new Map(),
        pieceShifts: new Map(),
        hits: this.hitsBy.subarray(this.arrays.length * 3, this.arrays.length * 3 + 3),
        pages: a.sizes.map((sh) => 2 ** (sh - 12)),
      };
      base += a.entries;
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
    this.plruBest = new Float64Array(Math.max(...this.arrays.map((a) => a.cfg.ways)));
    const n = base + 1;
    this.rec = new Float64Array(n * REC);
    this.key = new Float64Array(n).fill(NO_KEY);
    this.asidTag = new Int32Array(n);
    this.stamp = arenaArray(arena, Float64Array, n);
    this.inserted = new Float64Array(n);
    this.gen = new Int32Array(n);
    this.hostHits = {
      r: arenaArray(arena, Float64Array, n),
      w: arenaArray(arena, Float64Array, n),
      x: arenaArray(arena, Float64Array, n),
    };
    this.slotArr = new Uint16Array(n);
    this.arrays.forEach((a, i) => {
      this.slotArr.fill(i, a.base, a.base + a.cfg.entries);
    });
    this.rng = (cfg.seed ?? 0x2545f491) >>> 0 || 1;
    const zero = (): Record<Access, KindCounters> => ({
      r: { accesses: 0, hits: 0, misses: 0 },
      w: { accesses: 0, hits: 0, misses: 0 },
      x: { accesses: 0, hits: 0, misses: 0 },
    });
    this.levels = { l1i: zero(), l1d: zero(), l2: zero() };
    this.kc = (["l1i", "l1d", "l2"] as const).flatMap((l) => KINDS.map((k) => this.levels[l][k]));
  }

  /** The model's time, for replacement: the caller's monotonic count of steps (the host TLB
   *  stamps its hits with the same count). Call before lookup() and fill(). */
  setClock(now: number): void {
    if (now > this.clock) this.clock = now;
  }

  /** Find the entry for `vpn` in `asid`: probes the L1 of `kind`, then the L2 (an L2 hit is
   *  copied into the L1). Returns the L1 slot, or -1 on a miss everywhere. Counts the access. */
  lookup(kind: Access, vpn: number, asid: number): number {
    const k = kindIndex(kind);
    const l1 = k === 2 ? L1I : L1D;
    const c1 = this.kc[l1 * 3 + k]!;
    c1.accesses++;
    const s = this.probe(this.probes[l1]!, vpn, asid);
    if (s >= 0) {
      c1.hits++;
      this.hitsBy[this.slotArr[s]! * 3 + k]++;
      this.stamp[s] = this.clock;
      return s;
    }
    c1.misses++;
    const l2 = this.probes[L2]!;
    if (l2.length === 0) return -1;
    const c2 = this.kc[6 + k]!;
    c2.accesses++;
    const s2 = this.probe(l2, vpn, asid);
    if (s2 < 0) {
      c2.misses++;
      return -1;
    }
    c2.hits++;
    this.hitsBy[this.slotArr[s2]! * 3 + k]++;
    this.stamp[s2] = this.clock;
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
    if (this.walkCount[k * 64 + shift]!++ === 0) this.walkShifts[k]!.push(shift);
    this.walkRefs[kind] += refs;
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
    this.inserted[v] = this.clock;
    this.stamp[v] = this.clock;
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
    a.pieces += d;
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
    if (a.pieces === 0) return false;
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
      a.plruSync[set] = this.clock;
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
    a.plruSync[set] = this.clock;
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
