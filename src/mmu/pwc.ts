// Page-walk caches: one small set-associative LRU cache per non-leaf level, mapping the VA bits
// above that level to the physical page of the next-level table, so a walk can skip the upper
// levels (as Intel's paging-structure caches and ChampSim's PSCs do).

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
  stats: PwcLevelStats;
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
  private clock = 0;
  private readonly hit = { level: 0, ppn: 0, global: false };

  constructor(cfgs: PwcConfig[]) {
    this.arrays = cfgs
      .map((cfg) => {
        checkPwc(cfg, cfgs);
        const n = cfg.sets * cfg.ways;
        return {
          cfg,
          tag: new Float64Array(n),
          asid: new Int32Array(n),
          global: new Uint8Array(n),
          ppn: new Float64Array(n),
          valid: new Uint8Array(n),
          stamp: new Float64Array(n),
          stats: { level: cfg.level, hits: 0, misses: 0 },
        };
      })
      .sort((a, b) => a.cfg.level - b.cfg.level);
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
        a.stats.misses++;
        continue;
      }
      a.stats.hits++;
      a.stamp[i] = ++this.clock;
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
    a.stamp[victim] = ++this.clock;
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
    return this.arrays.map((a) => ({ ...a.stats }));
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
