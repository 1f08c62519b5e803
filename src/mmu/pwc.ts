// Page-walk caches: one small set-associative LRU cache per non-leaf level, mapping the VA bits
// above that level to the physical page of the next-level table, so a walk can skip the upper
// levels (as Intel's paging-structure caches and ChampSim's PSCs do). Its state can live in the
// machine's arena, where the wasm slow path (cpu/jit/slowpath.ts) reads and updates it as this
// class does (PageWalkCache.wasmLayout).

import { type Arena, arenaArray } from "./arena.js";

export interface PwcConfig {
  /** The level of the non-leaf PTE cached (1 = the PTE that points to a 4 KiB-leaf table). */
  level: number;
  sets: number;
  ways: number;
}

export interface PwcLevelStats {
  level: number;
  hits: number;
  misses: number;
}

interface PwcArray {
  cfg: PwcConfig;
  tag: Float64Array;
  asid: Int32Array;
  global: Uint8Array;
  ppn: Float64Array;
  valid: Uint8Array;
  stamp: Float64Array;
  /** Where its hits and misses are in PageWalkCache.nums. */
  at: number;
}

/** PageWalkCache.nums: the clock, then each cache's hits and misses (in level order). */
const P_CLOCK = 0;
const P_STATS = 1;

/** Bytes the page-walk caches of `cfgs` take in an arena (each piece rounded up to 8 bytes). */
export function pwcArenaBytes(cfgs: readonly PwcConfig[]): number {
  const up = (b: number): number => Math.ceil(b / 8) * 8;
  let bytes = 8 * (P_STATS + 2 * cfgs.length);
  for (const c of cfgs) {
    const n = c.sets * c.ways;
    bytes += 3 * 8 * n + up(4 * n) + 2 * up(n);
  }
  return bytes;
}

/** One cache's state in the arena (byte offsets), for the wasm slow path. */
export interface PwcWasmArray {
  level: number;
  sets: number;
  ways: number;
  tag: number;
  asid: number;
  global: number;
  ppn: number;
  valid: number;
  stamp: number;
  /** Byte offsets of its hit and miss counters (f64). */
  hits: number;
  misses: number;
}

/** The caches' state in the arena: the clock (f64) and the caches in level order. */
export interface PwcWasmLayout {
  clock: number;
  arrays: PwcWasmArray[];
}

/** The most entries (sets x ways) a page-walk cache level holds: 128 times the largest one the
 *  presets model (champsim's 4 sets x 8 ways, docs/reference/tlbs.md), 4096. */
export const MAX_PWC_ENTRIES = 4096;
/** Levels a walk can skip: the non-leaf levels of Sv57, the deepest mode (1..4). */
export const MAX_PWC_LEVEL = 4;

/** Throws unless `cfg` is one cache per level within the bounds, with positive sets and ways. */
function checkPwc(cfg: PwcConfig, all: PwcConfig[]): void {
  const bad = (why: string): never => {
    throw new Error(`page-walk cache ${JSON.stringify(cfg)}: ${why}`);
  };
  if (!Number.isInteger(cfg.level) || cfg.level < 1 || cfg.level > MAX_PWC_LEVEL)
    bad(`level must be from 1 to ${MAX_PWC_LEVEL}`);
  if (!Number.isInteger(cfg.sets) || !Number.isInteger(cfg.ways) || cfg.sets < 1 || cfg.ways < 1)
    bad("sets and ways must be positive integers");
  if (cfg.sets * cfg.ways > MAX_PWC_ENTRIES) bad(`sets x ways must be at most ${MAX_PWC_ENTRIES}`);
  if (all.filter((c) => c.level === cfg.level).length > 1) bad("one cache per level");
}

export class PageWalkCache {
  private readonly arrays: PwcArray[];
  /** The cache of each level (index = level), undefined where there is none. */
  private readonly byLevel: (PwcArray | undefined)[] = [];
  /** The clock (P_CLOCK) and the hits and misses of each cache (P_STATS + 2 * its index). */
  private readonly nums: Float64Array;
  private readonly hit = { level: 0, ppn: 0, global: false };

  /** `arena`: where the state lives (pwcArenaBytes), else on ordinary arrays. */
  constructor(cfgs: PwcConfig[], arena: Arena | null = null) {
    for (const cfg of cfgs) checkPwc(cfg, cfgs);
    this.nums = arenaArray(arena, Float64Array, P_STATS + 2 * cfgs.length);
    this.arrays = [...cfgs]
      .sort((a, b) => a.level - b.level)
      .map((cfg, i) => {
        const n = cfg.sets * cfg.ways;
        return {
          cfg,
          tag: arenaArray(arena, Float64Array, n),
          ppn: arenaArray(arena, Float64Array, n),
          stamp: arenaArray(arena, Float64Array, n),
          asid: arenaArray(arena, Int32Array, n),
          global: arenaArray(arena, Uint8Array, n),
          valid: arenaArray(arena, Uint8Array, n),
          at: P_STATS + 2 * i,
        };
      });
    this.arena = arena;
    for (let l = 0; l <= MAX_PWC_LEVEL; l++) this.byLevel.push(this.arrays.find((a) => a.cfg.level === l));
  }

  /** The deepest cached table for `vpn`: the walk resumes at `level` in table `ppn`. Probes
   *  every level (as hardware does in parallel) and counts a hit or miss at each. */
  lookup(vpn: number, asid: number, levels: number): { level: number; ppn: number; global: boolean } | null {
    let found: { level: number; ppn: number; global: boolean } | null = null;
    for (const a of this.arrays) {
      if (a.cfg.level >= levels) continue;
      const tag = Math.floor(vpn / 2 ** (9 * a.cfg.level));
      const i = this.find(a, tag, asid);
      if (i < 0) {
        this.nums[a.at + 1]++;
        continue;
      }
      this.nums[a.at]++;
      a.stamp[i] = ++this.nums[P_CLOCK]!;
      if (!found) {
        this.hit.level = a.cfg.level - 1;
        this.hit.ppn = a.ppn[i]!;
        this.hit.global = a.global[i] === 1;
        found = this.hit;
      }
    }
    return found;
  }

  /** Remember that the level-`level` PTE for `vpn` points to table `ppn`. */
  fill(vpn: number, asid: number, level: number, ppn: number, global: boolean): void {
    const a = this.byLevel[level];
    if (!a) return;
    const tag = Math.floor(vpn / 2 ** (9 * level));
    if (this.find(a, tag, asid) >= 0) return;
    const set = tag % a.cfg.sets;
    let victim = set * a.cfg.ways;
    for (let w = 0; w < a.cfg.ways; w++) {
      const i = set * a.cfg.ways + w;
      if (!a.valid[i]) {
        victim = i;
        break;
      }
      if (a.stamp[i]! < a.stamp[victim]!) victim = i;
    }
    a.tag[victim] = tag;
    a.asid[victim] = asid;
    a.global[victim] = global ? 1 : 0;
    a.ppn[victim] = ppn;
    a.valid[victim] = 1;
    a.stamp[victim] = ++this.nums[P_CLOCK]!;
  }

  /** Drop every entry, or those of `asid` that are not global. */
  flush(asid?: number): void {
    for (const a of this.arrays) {
      for (let i = 0; i < a.valid.length; i++) {
        if (asid === undefined || (a.asid[i] === asid && !a.global[i])) a.valid[i] = 0;
      }
    }
  }

  stats(): PwcLevelStats[] {
    return this.arrays.map((a) => ({
      level: a.cfg.level,
      hits: this.nums[a.at]!,
      misses: this.nums[a.at + 1]!,
    }));
  }

  private readonly arena: Arena | null;

  /** Where the state lies in the arena, for the wasm slow path; null if any of it is not there. */
  wasmLayout(): PwcWasmLayout | null {
    const arena = this.arena;
    const views = [
      this.nums,
      ...this.arrays.flatMap((a) => [a.tag, a.ppn, a.stamp, a.asid, a.global, a.valid]),
    ];
    if (arena === null || !views.every((v) => arena.holds(v))) return null;
    const n = this.nums.byteOffset;
    return {
      clock: n + 8 * P_CLOCK,
      arrays: this.arrays.map((a) => ({
        level: a.cfg.level,
        sets: a.cfg.sets,
        ways: a.cfg.ways,
        tag: a.tag.byteOffset,
        asid: a.asid.byteOffset,
        global: a.global.byteOffset,
        ppn: a.ppn.byteOffset,
        valid: a.valid.byteOffset,
        stamp: a.stamp.byteOffset,
        hits: n + 8 * a.at,
        misses: n + 8 * (a.at + 1),
      })),
    };
  }

  private find(a: PwcArray, tag: number, asid: number): number {
    const set = tag % a.cfg.sets;
    for (let w = 0; w < a.cfg.ways; w++) {
      const i = set * a.cfg.ways + w;
      if (a.valid[i] && a.tag[i] === tag && (a.global[i] || a.asid[i] === asid)) return i;
    }
    return -1;
  }
}
