// walk-cost: what one TLB miss costs in memory references, for Sv39, Sv48 and Sv57 with 4 KiB,
// 2 MiB and 1 GiB leaves, with the page-walk caches off and on, over working sets from 16 MiB
// to 64 GiB (the pointer chase of chase.ts). Without walk caches a walk reads one PTE per level
// from the root down to the leaf; with them it starts at the deepest cached table, as long as
// the working set's upper-level tables fit in the caches.

import { PAGING_MODES, type PwcConfig, pageSizeName, TLB_PRESETS, type TlbConfig } from "../mmu/index.js";
import { runChase } from "./chase.js";
import { bytesAxis, figure, formatBytes, GiB, MiB, powers } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

export interface WalkParams {
  /** The TLB, without page-walk caches. */
  tlb: TlbConfig;
  /** The page-walk caches of the "on" runs, and where they come from. */
  pwc: PwcConfig[];
  pwcSource: string;
  modes: string[];
  pageShifts: number[];
  spans: number[];
  maxSlots: number;
  accesses: number;
  seed: number;
}

export interface WalkPoint {
  mode: string;
  pageShift: number;
  pwc: boolean;
  span: number;
}

const MODE_COLORS = ["#1f77b4", "#d62728", "#2ca02c"];

function levelsOf(mode: string): number {
  return PAGING_MODES.find((m) => m.name === mode)!.levels;
}

function walkPoint(p: WalkParams, q: WalkPoint): Row {
  const tlb: TlbConfig = { ...p.tlb, pwc: q.pwc ? p.pwc : [] };
  const r = runChase({
    tlb,
    mode: q.mode,
    pageShift: q.pageShift,
    span: q.span,
    maxSlots: p.maxSlots,
    accesses: p.accesses,
    seed: p.seed,
  });
  const levels = levelsOf(q.mode);
  const uncached = levels - (q.pageShift - 12) / 9;
  const perWalk = r.walks > 0 ? r.walkRefs / r.walks : null;
  const lookups = r.pwcHits + r.pwcMisses;
  return {
    tlb: p.tlb.name,
    mode: q.mode,
    levels,
    page_size: pageSizeName(q.pageShift),
    pwc: q.pwc ? "on" : "off",
    working_set: q.span,
    pages: r.pages,
    accesses: r.accesses,
    walks: r.walks,
    walks_per_1k: Math.round((100_000 * r.walks) / r.accesses) / 100,
    walk_refs: r.walkRefs,
    refs_per_walk: perWalk === null ? null : Math.round(perWalk * 1000) / 1000,
    refs_per_walk_uncached: uncached,
    refs_saved_pct: perWalk === null ? null : Math.round((1 - perWalk / uncached) * 1000) / 10,
    pwc_hits: r.pwcHits,
    pwc_lookups: lookups,
    pwc_hit_rate: lookups > 0 ? Math.round((r.pwcHits / lookups) * 10_000) / 10_000 : null,
  };
}

/** PTE reads per walk against the working set for one leaf size: a line per mode, dashed with
 *  the page-walk caches on. */
function walkCostPanel(rows: Row[], p: WalkParams, shift: number) {
  const lo = Math.min(...p.spans);
  const hi = Math.max(...p.spans);
  return {
    width: 250,
    height: 230,
    title: `${pageSizeName(shift).toUpperCase()} leaves`,
    data: { values: rows },
    transform: [{ filter: `datum.page_size === '${pageSizeName(shift)}' && isValid(datum.refs_per_walk)` }],
    mark: { type: "line" as const, point: true },
    encoding: {
      x: bytesAxis("working_set", "working set (bytes, log scale)", lo, hi, 5),
      y: {
        field: "refs_per_walk",
        type: "quantitative" as const,
        title: "memory references per walk",
        scale: { domain: [0, Math.max(...p.modes.map(levelsOf))] },
      },
      color: {
        field: "mode",
        type: "nominal" as const,
        title: "paging mode",
        scale: { domain: p.modes, range: MODE_COLORS.slice(0, p.modes.length) },
      },
      strokeDash: {
        field: "pwc",
        type: "nominal" as const,
        title: "page-walk caches",
        scale: {
          domain: ["off", "on"],
          range: [
            [1, 0],
            [5, 3],
          ],
        },
      },
      shape: {
        field: "pwc",
        type: "nominal" as const,
        title: "page-walk caches",
        scale: { domain: ["off", "on"], range: ["circle", "triangle-up"] },
      },
    },
  };
}

/** PTE reads per walk, a panel per leaf size (NAME.svg). */
function walkPlots(rows: Row[], p: WalkParams): PlotSpec[] {
  const subtitle = [
    `pointer chase on the ${p.tlb.name} TLB; walk caches (${p.pwcSource}): ` +
      p.pwc.map((c) => `L${c.level} ${c.sets}x${c.ways}`).join(", "),
    "solid: caches off; dashed: on (the three modes coincide: the walk starts below their upper levels)",
  ];
  return [
    figure("", "Page-walk cost: PTE reads per TLB miss", subtitle, {
      hconcat: p.pageShifts.map((shift) => walkCostPanel(rows, p, shift)),
      resolve: { scale: { y: "shared" } },
    }),
  ];
}

function walkTables(rows: Row[], p: WalkParams): string[][][] {
  const head = ["mode", "leaf", "walk caches", ...p.spans.map(formatBytes)];
  const out = [head];
  for (const mode of p.modes) {
    for (const shift of p.pageShifts) {
      for (const pwc of ["off", "on"]) {
        const line = [mode, pageSizeName(shift), pwc];
        for (const span of p.spans) {
          const r = rows.find(
            (x) =>
              x.mode === mode &&
              x.page_size === pageSizeName(shift) &&
              x.pwc === pwc &&
              x.working_set === span,
          );
          line.push(fmt(r?.refs_per_walk, 2));
        }
        out.push(line);
      }
    }
  }
  return [out];
}

function walkNotes(rows: Row[], p: WalkParams): string[] {
  const notes = [
    "PTE reads per walk (- : no TLB miss at that working set). Without walk caches a walk reads",
  ];
  notes.push("one PTE per level from the root to the leaf:");
  for (const mode of p.modes) {
    const parts = p.pageShifts.map((s) => `${pageSizeName(s)} ${levelsOf(mode) - (s - 12) / 9}`);
    notes.push(`  ${mode}: ${parts.join(", ")}`);
  }
  const best = rows.filter((r) => r.pwc === "on" && typeof r.refs_saved_pct === "number");
  if (best.length) {
    const big = best.filter((r) => r.working_set === Math.max(...p.spans));
    const saved = big.map((r) => `${r.mode} ${r.page_size} ${fmt(r.refs_saved_pct, 0)}%`).join(", ");
    notes.push(`With walk caches, reads saved at ${formatBytes(Math.max(...p.spans))}: ${saved}`);
  }
  return notes;
}

export const walkCostExperiment = defineExperiment<WalkParams, WalkPoint>({
  name: "walk-cost",
  summary:
    "memory references per TLB miss: Sv39/Sv48/Sv57 x 4 KiB/2 MiB/1 GiB leaves, walk caches off and on",
  description: `The pointer chase of tlb-reach over working sets from 16 MiB to 64 GiB, for Sv39, Sv48 and
Sv57 (only --satp's mode when given) with 4 KiB, 2 MiB and 1 GiB leaves, with the page-walk
caches off and on: PTE reads per walk. The caches are the --tlb preset's own, or ChampSim's
paging-structure caches (L4 1x2, L3 1x4, L2 2x4, L1 4x8) for presets that have none.`,
  uses: ["tlb", "satp"],
  columns: [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "mode", description: "paging mode", kind: "string" },
    { key: "levels", description: "levels of the page table" },
    { key: "page_size", description: "leaf size", kind: "string" },
    { key: "pwc", description: "page-walk caches on or off", kind: "string" },
    { key: "working_set", description: "bytes spanned by the chase" },
    { key: "pages", description: "leaf pages holding a slot" },
    { key: "accesses", description: "loads counted" },
    { key: "walks", description: "page walks (L2 TLB misses)" },
    { key: "walks_per_1k", description: "walks per 1000 loads" },
    { key: "walk_refs", description: "PTE reads of those walks" },
    { key: "refs_per_walk", description: "PTE reads per walk (empty: no walk)" },
    {
      key: "refs_per_walk_uncached",
      description: "PTE reads per walk without walk caches: levels above the leaf",
    },
    { key: "refs_saved_pct", description: "reads saved by the walk caches, percent" },
    { key: "pwc_hits", description: "walk-cache hits, every level" },
    { key: "pwc_lookups", description: "walk-cache probes, every level" },
    { key: "pwc_hit_rate", description: "walk-cache hits / probes" },
  ],
  paramsShape: {
    tlb: "tlb",
    pwc: [{ level: "number", sets: "number", ways: "number" }],
    pwcSource: "string",
    modes: ["string"],
    pageShifts: ["number"],
    spans: ["number"],
    maxSlots: "number",
    accesses: "number",
    seed: "number",
  },
  plan(opts) {
    const champsim = TLB_PRESETS.champsim!.pwc ?? [];
    const own = opts.tlb.pwc ?? [];
    const params: WalkParams = {
      tlb: { ...opts.tlb, pwc: [] },
      pwc: own.length ? own : champsim,
      pwcSource: own.length ? `the ${opts.tlb.name} preset's` : "ChampSim's",
      modes: opts.satp ? [opts.satp] : PAGING_MODES.map((m) => m.name),
      pageShifts: [12, 21, 30],
      spans: opts.test
        ? [64 * MiB, 16 * GiB]
        : opts.quick
          ? [64 * MiB, GiB, 16 * GiB]
          : powers(16 * MiB, 64 * GiB, 4),
      maxSlots: opts.test ? 2048 : opts.quick ? 8192 : 32768,
      accesses: opts.test ? 2000 : opts.quick ? 10_000 : 50_000,
      seed: opts.seed,
    };
    const points: WalkPoint[] = [];
    for (const mode of params.modes)
      for (const pageShift of params.pageShifts)
        for (const pwc of [false, true])
          for (const span of params.spans) points.push({ mode, pageShift, pwc, span });
    return { params, points };
  },
  runPoint: (params, point) => [walkPoint(params, point)],
  plots: walkPlots,
  tables: walkTables,
  notes: walkNotes,
});
