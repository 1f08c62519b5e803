// The modelled TLB's counters named after the perf events users know from Intel's PMU
// (dtlb_load_misses.walk_completed_4k, itlb_misses.stlb_hit, ...) and Linux's generic cache
// events (dTLB-loads, iTLB-load-misses). perfEvents() is the one mapping: the `--stats` table,
// `--stats=json` (under `tlb`), the console's `stats` and `mmlab exp sweep`'s columns all use it.

import { type Machine, Paging } from "../cpu/index.js";
import { type Access, pageSizeName, type TlbModel, type Walker } from "../mmu/index.js";

/** The perf-event prefix of each access kind. */
const MISS_PREFIX: Record<Access, string> = {
  r: "dtlb_load_misses",
  w: "dtlb_store_misses",
  x: "itlb_misses",
};

/** Leaf sizes that always get a walk_completed_* event (others only when they occur). */
const MAIN_SIZES = [12, 21, 30];

/** The perf-event counters of one hart's TLB (and walker), in a fixed order. */
export function perfEvents(tlb: TlbModel, walker?: Walker): Record<string, number> {
  const levels = tlb.levelCounters();
  const hasL2 = (tlb.cfg.l2?.length ?? 0) > 0;
  const ev: Record<string, number> = {
    "dTLB-loads": levels.l1d.r.accesses,
    "dTLB-load-misses": levels.l1d.r.misses,
    "dTLB-stores": levels.l1d.w.accesses,
    "dTLB-store-misses": levels.l1d.w.misses,
    "iTLB-loads": levels.l1i.x.accesses,
    "iTLB-load-misses": levels.l1i.x.misses,
  };
  for (const kind of ["r", "w", "x"] as const) {
    const p = MISS_PREFIX[kind];
    const l1 = kind === "x" ? levels.l1i[kind] : levels.l1d[kind];
    ev[`${p}.stlb_hit`] = hasL2 ? levels.l2[kind].hits : 0;
    ev[`${p}.miss_causes_a_walk`] = hasL2 ? levels.l2[kind].misses : l1.misses;
    const walks = tlb.walks[kind];
    let total = 0;
    for (const n of walks.values()) total += n;
    ev[`${p}.walk_completed`] = total;
    const shifts = [...new Set([...MAIN_SIZES, ...walks.keys()])].sort((a, b) => a - b);
    for (const s of shifts) ev[`${p}.walk_completed_${pageSizeName(s)}`] = walks.get(s) ?? 0;
  }
  ev["page_walker_loads.dtlb"] = tlb.walkRefs.r + tlb.walkRefs.w;
  ev["page_walker_loads.itlb"] = tlb.walkRefs.x;
  if (walker) {
    ev["page_walks.faulted"] = walker.stats.faults;
    for (const l of walker.pwc?.stats() ?? []) {
      ev[`page_walk_cache.l${l.level}_hit`] = l.hits;
      ev[`page_walk_cache.l${l.level}_miss`] = l.misses;
    }
  }
  const f = tlb.flushes;
  ev["tlb_flush.all"] = f.all;
  ev["tlb_flush.asid"] = f.asid;
  ev["tlb_flush.va"] = f.va;
  ev["tlb_flush.va_asid"] = f.vaAsid;
  ev["tlb_flush.entries_dropped"] = f.dropped;
  return ev;
}

/** One TLB array's counters. */
export interface TlbArrayReport {
  name: string;
  level: string;
  entries: number;
  ways: number;
  replacement: string;
  hits: { fetch: number; load: number; store: number };
  fills: number;
  evictions: number;
  /** Valid entries at the end. */
  occupied: number;
}

export interface TlbHartReport {
  hart: number;
  events: Record<string, number>;
  arrays: TlbArrayReport[];
}

/** `tlb` in `--stats=json`: the preset, the events summed over harts, and per hart. */
export interface TlbReport {
  preset: string;
  events: Record<string, number>;
  harts: TlbHartReport[];
}

/** The translator of hart `hart`: its TLB model and walker (a Machine's harts all have one). */
export function hartTlb(machine: Machine, hart: number): Paging {
  const t = machine.harts[hart]?.translator;
  if (!(t instanceof Paging)) throw new Error(`hart ${hart} has no modelled TLB`);
  return t;
}

/** The TLB counters of every hart. */
export function tlbReport(machine: Machine): TlbReport {
  const harts: TlbHartReport[] = machine.harts.map((h) => {
    const { tlb, walker } = hartTlb(machine, h.id);
    return {
      hart: h.id,
      events: perfEvents(tlb, walker),
      arrays: tlb.arrayCounters().map((a) => ({
        name: a.name,
        level: a.level,
        entries: a.entries,
        ways: a.ways,
        replacement: a.replacement,
        hits: { fetch: a.hits.x, load: a.hits.r, store: a.hits.w },
        fills: a.fills,
        evictions: a.evictions,
        occupied: a.occupied,
      })),
    };
  });
  const events: Record<string, number> = {};
  for (const h of harts) for (const [k, v] of Object.entries(h.events)) events[k] = (events[k] ?? 0) + v;
  return { preset: machine.tlbConfig.name, events, harts };
}
