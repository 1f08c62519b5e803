// tlb-reach: a pointer chase (chase.ts) over working sets from 16 KiB to 16 GiB, with 4 KiB,
// 2 MiB and 1 GiB leaves, on one TLB preset. Per point: the loads counted, the hit rate of the
// L1 DTLB and of the L2 (of the L1's misses), walks per 1000 loads, the walks' memory references
// and page-walk-cache hits. The knees should sit at each level's reach, entries x page size: the
// dashed lines of the plot, and the notes under the table, compare the two.

import { PAGING_MODES, type PagingMode, pageSizeName, SV48, type TlbConfig } from "../mmu/index.js";
import { runChase } from "./chase.js";
import { bytesAxis, figure, formatBytes, GiB, KiB, powers } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

export type ReachLevel = "l1" | "l2";

/** How far a TLB level reaches for one page size: the array that holds it (or its pieces). */
export interface ReachPrediction {
  pageShift: number;
  level: ReachLevel;
  array: string;
  entries: number;
  /** The size each entry covers: the page size, or the piece size when the array smashes it. */
  pieceShift: number;
  bytes: number;
}

export interface ReachParams {
  tlb: TlbConfig;
  mode: string;
  pageShifts: number[];
  spans: number[];
  maxSlots: number;
  accesses: number;
  seed: number;
  reach: ReachPrediction[];
}

export interface ReachPoint {
  pageShift: number;
  span: number;
}

export const PAGE_SHIFTS = [12, 21, 30] as const;
const SIZE_NAMES = PAGE_SHIFTS.map((s) => pageSizeName(s));
const SIZE_COLORS = ["#1f77b4", "#d62728", "#2ca02c"];

/** The reach of `level` of `cfg` for pages of 2^shift bytes, as the TLB model places them (the
 *  array holding that size, else the one with the largest smaller size, in pieces); null when the
 *  level has no array for it (no L2). */
export function tlbReach(cfg: TlbConfig, level: ReachLevel, shift: number): ReachPrediction | null {
  const arrays = level === "l1" ? cfg.dtlb : (cfg.l2 ?? []);
  let best: { name: string; entries: number; shift: number } | null = null;
  for (const a of arrays) {
    for (const s of a.sizes) {
      if (s === shift) {
        return {
          pageShift: shift,
          level,
          array: a.name,
          entries: a.entries,
          pieceShift: s,
          bytes: a.entries * 2 ** s,
        };
      }
      if (s < shift && (!best || s > best.shift)) best = { name: a.name, entries: a.entries, shift: s };
    }
  }
  if (!best) return null;
  return {
    pageShift: shift,
    level,
    array: best.name,
    entries: best.entries,
    pieceShift: best.shift,
    bytes: best.entries * 2 ** best.shift,
  };
}

/** Parameters for a run of the chase on `tlb` in `mode` (also used by tests). */
export function reachParams(
  tlb: TlbConfig,
  mode: PagingMode,
  opts: { spans: number[]; maxSlots: number; accesses: number; seed: number },
): ReachParams {
  const pageShifts = PAGE_SHIFTS.filter((s) => (s - 12) / 9 < mode.levels);
  const reach: ReachPrediction[] = [];
  for (const level of ["l1", "l2"] as const) {
    for (const s of pageShifts) {
      const r = tlbReach(tlb, level, s);
      if (r) reach.push(r);
    }
  }
  return { tlb, mode: mode.name, pageShifts, ...opts, reach };
}

const rate = (num: number, den: number): number | null => (den > 0 ? num / den : null);
const round = (v: number | null, digits = 4): number | null =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

/** Run one point: the chase over `span` bytes with 2^pageShift leaves. */
export function reachPoint(params: ReachParams, point: ReachPoint): Row {
  const r = runChase({
    tlb: params.tlb,
    mode: params.mode,
    pageShift: point.pageShift,
    span: point.span,
    maxSlots: params.maxSlots,
    accesses: params.accesses,
    seed: params.seed,
  });
  const reachOf = (level: ReachLevel): number | null =>
    params.reach.find((p) => p.level === level && p.pageShift === point.pageShift)?.bytes ?? null;
  return {
    tlb: params.tlb.name,
    mode: params.mode,
    page_size: pageSizeName(point.pageShift),
    working_set: point.span,
    stride: r.stride,
    slots: r.slots,
    pages: r.pages,
    accesses: r.accesses,
    l1_hits: r.l1Hits,
    l1_hit_rate: round(rate(r.l1Hits, r.l1Accesses)),
    l2_accesses: r.l2Accesses,
    l2_hits: r.l2Hits,
    l2_hit_rate: round(rate(r.l2Hits, r.l2Accesses)),
    walks: r.walks,
    walks_per_1k: round((1000 * r.walks) / r.accesses, 2),
    walk_refs: r.walkRefs,
    walk_refs_per_walk: round(rate(r.walkRefs, r.walks), 3),
    walk_refs_per_1k: round((1000 * r.walkRefs) / r.accesses, 2),
    pwc_hits: r.pwcHits,
    pwc_lookups: r.pwcHits + r.pwcMisses,
    instructions: r.instructions,
    l1_reach: reachOf("l1"),
    l2_reach: reachOf("l2"),
  };
}

/** Where the hit rate of `level` falls for one page size: the largest working set still at
 *  >= 0.9 below the first one at <= 0.5. */
export function measuredKnee(
  rows: readonly Row[],
  level: ReachLevel,
  page: string,
): { high: number | null; low: number | null } {
  const key = `${level}_hit_rate`;
  const pts = rows
    .filter((r) => r.page_size === page && typeof r[key] === "number")
    .map((r) => ({ span: r.working_set as number, rate: r[key] as number }))
    .sort((a, b) => a.span - b.span);
  const lowIdx = pts.findIndex((p) => p.rate <= 0.5);
  const upto = lowIdx < 0 ? pts : pts.slice(0, lowIdx);
  const high = [...upto].reverse().find((p) => p.rate >= 0.9)?.span ?? null;
  return { high, low: lowIdx < 0 ? null : pts[lowIdx]!.span };
}

const LEVEL_TITLE: Record<ReachLevel, string> = {
  l1: "L1 DTLB hit rate",
  l2: "L2 TLB hit rate (of L1 misses)",
};

/** The page-size colour scale of every panel. */
function sizeColor(p: ReachParams) {
  const sizes = p.pageShifts.map((s) => pageSizeName(s));
  return {
    field: "page_size",
    type: "nominal" as const,
    title: "page size",
    scale: { domain: sizes, range: SIZE_COLORS.slice(0, sizes.length) },
    sort: sizes,
  };
}

/** The working-set axis over the sweep. */
function workingSetAxis(p: ReachParams) {
  return bytesAxis(
    "working_set",
    "working set (bytes, log scale)",
    Math.min(...p.spans),
    Math.max(...p.spans),
  );
}

/** One level's hit rate against the working set, with its predicted reach as dashed rules. */
function hitRatePanel(rows: Row[], p: ReachParams, level: ReachLevel) {
  const lo = Math.min(...p.spans);
  const hi = Math.max(...p.spans);
  const x = workingSetAxis(p);
  const color = sizeColor(p);
  return {
    width: 380,
    height: 250,
    title: LEVEL_TITLE[level],
    layer: [
      {
        data: {
          values: p.reach
            .filter((r) => r.level === level && r.bytes >= lo && r.bytes <= hi)
            .map((r) => ({ working_set: r.bytes, page_size: pageSizeName(r.pageShift) })),
        },
        mark: { type: "rule" as const, strokeDash: [5, 4], strokeWidth: 1.5, opacity: 0.8 },
        encoding: { x, color },
      },
      {
        data: { values: rows },
        transform: [{ filter: `isValid(datum.${level}_hit_rate)` }],
        mark: { type: "line" as const, point: true, clip: true },
        encoding: {
          x,
          y: {
            field: `${level}_hit_rate`,
            type: "quantitative" as const,
            title: "hit rate",
            scale: { domain: [0, 1] },
            axis: { format: "%" },
          },
          color,
          tooltip: [
            { field: "working_set", type: "quantitative" as const },
            { field: `${level}_hit_rate`, type: "quantitative" as const },
          ],
        },
      },
    ],
  };
}

/** A walk counter (`field`) against the working set. */
function walkPanel(rows: Row[], p: ReachParams, field: string, title: string, ytitle: string) {
  return {
    width: 380,
    height: 250,
    title,
    data: { values: rows },
    mark: { type: "line" as const, point: true },
    encoding: {
      x: workingSetAxis(p),
      y: { field, type: "quantitative" as const, title: ytitle },
      color: sizeColor(p),
    },
  };
}

/** The hit rates of each level (NAME.svg) and the walks (NAME-walks.svg). */
function reachPlots(rows: Row[], p: ReachParams): PlotSpec[] {
  const levels = (["l1", "l2"] as const).filter((l) => p.reach.some((r) => r.level === l));
  const subtitle =
    `${p.mode}, pointer chase (one load per stride, random cyclic order), ${fmt(p.accesses)} loads per point; ` +
    "dashed lines: entries x page size";
  return [
    figure("", `TLB reach: the ${p.tlb.name} preset`, subtitle, {
      hconcat: levels.map((level) => hitRatePanel(rows, p, level)),
    }),
    figure("walks", `Page walks: the ${p.tlb.name} preset`, `${p.mode}, same runs as the hit rates`, {
      hconcat: [
        walkPanel(rows, p, "walks_per_1k", "Page walks per 1000 loads", "walks per 1000 loads"),
        walkPanel(
          rows,
          p,
          "walk_refs_per_1k",
          "Walk memory references per 1000 loads",
          "PTE reads per 1000 loads",
        ),
      ],
    }),
  ];
}

function reachTables(rows: Row[], p: ReachParams): string[][][] {
  const sizes = p.pageShifts.map((s) => pageSizeName(s));
  const hasL2 = p.reach.some((r) => r.level === "l2");
  const head = ["working set"];
  for (const s of sizes) head.push(`${s} L1`, ...(hasL2 ? [`${s} L2`] : []), `${s} walks/1k`);
  const out = [head];
  for (const span of p.spans) {
    const line = [formatBytes(span)];
    for (const s of sizes) {
      const r = rows.find((x) => x.page_size === s && x.working_set === span);
      line.push(fmt(r?.l1_hit_rate, 2));
      if (hasL2) line.push(fmt(r?.l2_hit_rate, 2));
      line.push(fmt(r?.walks_per_1k, 0));
    }
    out.push(line);
  }
  return [out];
}

function reachNotes(rows: Row[], p: ReachParams): string[] {
  const notes = [
    "Knees (hit rate >= 0.9 up to, <= 0.5 from) against the reach entries x page size predicts:",
  ];
  for (const r of p.reach) {
    const page = pageSizeName(r.pageShift);
    const k = measuredKnee(rows, r.level, page);
    const pieces = r.pieceShift !== r.pageShift ? ` (held as ${pageSizeName(r.pieceShift)} pieces)` : "";
    const predicted = `${r.entries} x ${formatBytes(2 ** r.pieceShift)} = ${formatBytes(r.bytes)}${pieces}`;
    const measured =
      k.low === null
        ? `no drop to 0.5 within the sweep (up to ${formatBytes(Math.max(...p.spans))})`
        : `>= 0.9 up to ${k.high === null ? "-" : formatBytes(k.high)}, <= 0.5 from ${formatBytes(k.low)}`;
    notes.push(`  ${r.level.toUpperCase()} ${page.padEnd(3)} ${r.array}: ${predicted}; measured ${measured}`);
  }
  return notes;
}

export const tlbReachExperiment = defineExperiment<ReachParams, ReachPoint>({
  name: "tlb-reach",
  summary: "pointer chase over 16 KiB..16 GiB with 4 KiB, 2 MiB and 1 GiB pages: TLB hit rates and walks",
  description: `A pointer chase (guest code from the assembler, run paged in S-mode on the bare machine: a
random cyclic permutation of 8-byte slots, one per 4 KiB stride) over working sets from 16 KiB to
16 GiB, mapped with 4 KiB, 2 MiB and 1 GiB leaves, on the --tlb preset and the --satp mode
(default sv48). After one warm-up lap it counts the loads, the L1 DTLB and L2 hit rates, the
walks per 1000 loads, the walks' memory references and the page-walk-cache hits. The hit rates
drop where the working set outgrows entries x page size of each level (the dashed lines).
Working sets past 1 GiB alias in physical memory (the TLB sees only virtual pages); the stride
grows past 4 KiB only where more slots would be needed than --quick or full mode allows.`,
  uses: ["tlb", "satp"],
  columns: [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "mode", description: "paging mode", kind: "string" },
    { key: "page_size", description: "leaf size (4k, 2m, 1g)", kind: "string" },
    { key: "working_set", description: "bytes spanned by the slots" },
    { key: "stride", description: "bytes between slots" },
    { key: "slots", description: "pointers in the chain" },
    { key: "pages", description: "leaf pages holding a slot" },
    { key: "accesses", description: "loads counted (after one warm-up lap)" },
    { key: "l1_hits", description: "L1 DTLB hits" },
    { key: "l1_hit_rate", description: "L1 DTLB hits / loads" },
    { key: "l2_accesses", description: "L2 TLB lookups (L1 misses)" },
    { key: "l2_hits", description: "L2 TLB hits" },
    { key: "l2_hit_rate", description: "L2 hits / L2 lookups (empty: no L2 lookup)" },
    { key: "walks", description: "page walks" },
    { key: "walks_per_1k", description: "walks per 1000 loads" },
    { key: "walk_refs", description: "memory references (PTE reads) of the walks" },
    { key: "walk_refs_per_walk", description: "PTE reads per walk" },
    { key: "walk_refs_per_1k", description: "PTE reads per 1000 loads" },
    { key: "pwc_hits", description: "page-walk-cache hits (0 when the preset has none)" },
    { key: "pwc_lookups", description: "page-walk-cache probes, every level" },
    { key: "instructions", description: "instructions retired while counting" },
    { key: "l1_reach", description: "predicted L1 reach for this page size, bytes" },
    { key: "l2_reach", description: "predicted L2 reach for this page size, bytes (empty: no L2)" },
  ],
  paramsShape: {
    tlb: "tlb",
    mode: "string",
    pageShifts: ["number"],
    spans: ["number"],
    maxSlots: "number",
    accesses: "number",
    seed: "number",
    reach: [
      {
        pageShift: "number",
        level: "string",
        array: "string",
        entries: "number",
        pieceShift: "number",
        bytes: "number",
      },
    ],
  },
  plan(opts) {
    const mode = opts.satp ? modeOf(opts.satp) : SV48;
    const spans = opts.test
      ? powers(16 * KiB, 4 * GiB, 64)
      : opts.quick
        ? powers(16 * KiB, 16 * GiB, 4)
        : powers(16 * KiB, 16 * GiB, 2);
    const params = reachParams(opts.tlb, mode, {
      spans,
      maxSlots: opts.test ? 4096 : opts.quick ? 16384 : 65536,
      accesses: opts.test ? 4000 : opts.quick ? 20_000 : 200_000,
      seed: opts.seed,
    });
    const points: ReachPoint[] = [];
    for (const pageShift of params.pageShifts) for (const span of spans) points.push({ pageShift, span });
    return { params, points };
  },
  runPoint: (params, point) => [reachPoint(params, point)],
  plots: (rows, p) => reachPlots(sortRows(rows), p),
  tables: (rows, p) => reachTables(rows, p),
  notes: (rows, p) => reachNotes(rows, p),
});

function sortRows(rows: Row[]): Row[] {
  return [...rows].sort(
    (a, b) =>
      SIZE_NAMES.indexOf(String(a.page_size)) - SIZE_NAMES.indexOf(String(b.page_size)) ||
      (a.working_set as number) - (b.working_set as number),
  );
}

function modeOf(name: string): PagingMode {
  return PAGING_MODES.find((m) => m.name === name) ?? SV48;
}
