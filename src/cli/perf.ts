// The modelled TLB's counters as `--stats` shows them: the perf events of every hart (their
// names and values come from src/session's perfEvents) and the TLB arrays, as aligned tables.

import type { TlbArrayReport, TlbHartReport, TlbReport } from "../session/index.js";

export { hartTlb, perfEvents, tlbReport } from "../session/index.js";

/** What each event counts, for `--help` and the README. */
export const PERF_EVENT_HELP = `  dTLB-loads, dTLB-load-misses         L1 DTLB lookups by loads, and those that missed
  dTLB-stores, dTLB-store-misses       the same for stores (and AMOs)
  iTLB-loads, iTLB-load-misses         L1 ITLB lookups by instruction fetches, and misses
  dtlb_load_misses.stlb_hit            L1 misses that hit the L2 (STLB); also for
                                       dtlb_store_misses and itlb_misses, as below
  dtlb_load_misses.miss_causes_a_walk  misses in every level: a page walk starts
  dtlb_load_misses.walk_completed      walks that found a leaf; .walk_completed_4k, _2m, _1g
                                       (and _64k, _512g when such leaves occur) by leaf size
  page_walker_loads.dtlb, .itlb        PTE reads made by the walker (memory references)
  page_walks.faulted                   walks that ended in a page or access fault
  page_walk_cache.lN_hit, .lN_miss     page-walk-cache probes at level N (presets with one)
  tlb_flush.all, .asid, .va, .va_asid  sfence.vma by form (rs1/rs2 = x0 or not)
  tlb_flush.entries_dropped            entries those fences removed`;

const int = (n: number): string => n.toLocaleString("en-US");

/** Rows as aligned columns: the first `left` columns left-aligned, the others right-aligned. */
export function table(rows: string[][], left = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Per-hart columns are shown up to this many harts (the total always). */
const MAX_HART_COLUMNS = 8;

/** The readable TLB section of `--stats`. */
export function formatTlb(r: TlbReport): string {
  if (Object.values(r.events).every((v) => v === 0)) {
    return `TLB (${r.preset}): no translations (satp was Bare all along)\n`;
  }
  const perHart = r.harts.length > 1 && r.harts.length <= MAX_HART_COLUMNS;
  const head = [`TLB (${r.preset}): perf events`];
  if (perHart) head.push(...r.harts.map((h) => `hart ${h.hart}`), "total");
  else head.push(r.harts.length === 1 ? "hart 0" : `total (${r.harts.length} harts)`);
  const rows = [head];
  for (const [name, total] of Object.entries(r.events)) {
    const row = [`  ${name}`];
    if (perHart) row.push(...r.harts.map((h) => int(h.events[name] ?? 0)));
    row.push(int(total));
    rows.push(row);
  }
  const arows = [
    [
      "TLB arrays",
      "level",
      "entries",
      "ways",
      "repl",
      "hits: fetch",
      "load",
      "store",
      "fills",
      "evictions",
      "in use",
    ],
  ];
  const sets: { label: string; arrays: TlbArrayReport[] }[] =
    r.harts.length === 1
      ? [{ label: "", arrays: r.harts[0]!.arrays }]
      : perHart
        ? r.harts.map((h) => ({ label: `hart ${h.hart} `, arrays: h.arrays }))
        : [{ label: "all harts ", arrays: sumArrays(r.harts) }];
  for (const { label, arrays } of sets) {
    for (const a of arrays) {
      arows.push([
        `  ${label}${a.name}`,
        a.level,
        String(a.entries),
        String(a.ways),
        a.replacement,
        int(a.hits.fetch),
        int(a.hits.load),
        int(a.hits.store),
        int(a.fills),
        int(a.evictions),
        int(a.occupied),
      ]);
    }
  }
  return `${table(rows)}\n${table(arows)}\n`;
}

/** Every hart's arrays added up (same geometry on every hart). */
function sumArrays(harts: readonly TlbHartReport[]): TlbArrayReport[] {
  return harts[0]!.arrays.map((a, i) => {
    const all = harts.map((h) => h.arrays[i]!);
    const sum = (f: (x: TlbArrayReport) => number): number => all.reduce((n, x) => n + f(x), 0);
    return {
      ...a,
      hits: {
        fetch: sum((x) => x.hits.fetch),
        load: sum((x) => x.hits.load),
        store: sum((x) => x.hits.store),
      },
      fills: sum((x) => x.fills),
      evictions: sum((x) => x.evictions),
      occupied: sum((x) => x.occupied),
    };
  });
}
