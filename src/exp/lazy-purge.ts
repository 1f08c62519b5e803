// lazy-purge: vfree storms under the mini-kernel. vfree() unmaps an area at once but leaves its
// VA, and the TLB flush, to the lazy purge: when more than lazy_max_pages pages of VA wait, one
// flush_tlb_kernel_range over all of them runs on every hart (a full flush beyond 64 pages).
// Each point boots a kernel on 1, 2, 4 or 8 harts with vmalloc.lazy_max_pages at Linux's value
// (fls(CPUs) x 32 MiB / 4 KiB) or smaller, allocates 16 KiB areas (kernel-stack sized), writes
// every page of each from hart i mod harts (so each hart's TLB holds entries), and frees them in
// batches of 64 from hart 0. Per MiB freed: purges, sfence.vma executed on all harts,
// shootdowns and IPIs, TLB entries dropped, and the kernel's cost-model time.

import { Machine, Paging } from "../cpu/index.js";
import { bootKernel, type Kernel } from "../kernel/index.js";
import type { TlbConfig } from "../mmu/index.js";
import { figure, MiB } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

export interface PurgeParams {
  tlb: TlbConfig;
  harts: number[];
  /** lazy_max_pages values below Linux's (Linux's own is run as well). */
  lazyValues: number[];
  areaSize: number;
  batch: number;
  /** Free enough for this many purges at each setting, within [minFreed, maxFreed] bytes. */
  purges: number;
  minFreed: number;
  maxFreed: number;
  cmdline: string;
}

export interface PurgePoint {
  harts: number;
  /** null: Linux's default. */
  lazy: number | null;
}

const HART_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

interface Counters {
  purges: number;
  flushOne: number;
  flushAll: number;
  shootdowns: number;
  ipis: number;
  dropped: number;
  cycles: number;
}

function counters(k: Kernel): Counters {
  let dropped = 0;
  for (const h of k.machine.harts) {
    if (h.translator instanceof Paging) dropped += h.translator.tlb.flushes.dropped;
  }
  return {
    purges: k.vmalloc.purges,
    flushOne: k.vmstat.get("nr_tlb_local_flush_one"),
    flushAll: k.vmstat.get("nr_tlb_local_flush_all"),
    shootdowns: k.flush.shootdowns,
    ipis: k.vmstat.get("nr_tlb_remote_flush_received"),
    dropped,
    cycles: k.machine.clocks.reduce((a, b) => a + b, 0),
  };
}

function purgePoint(p: PurgeParams, q: PurgePoint): Row {
  const lazyArg = q.lazy === null ? "" : ` vmalloc.lazy_max_pages=${q.lazy}`;
  const m = new Machine({ mem: 256 * MiB, harts: q.harts, tlb: p.tlb, console: () => {} });
  const k = bootKernel(m, `${p.cmdline}${lazyArg}`.trim());
  const lazyMax = k.vmalloc.lazy_max_pages();
  const vaPages = p.areaSize / 4096 + 1; // the guard page counts
  const perPurge = (Math.floor(lazyMax / vaPages) + 1) * p.areaSize;
  const perBatch = p.batch * p.areaSize;
  const target =
    Math.ceil(Math.min(p.maxFreed, Math.max(p.minFreed, p.purges * perPurge)) / perBatch) * perBatch;
  const before = counters(k);
  let freed = 0;
  let vfrees = 0;
  while (freed < target) {
    const areas: bigint[] = [];
    for (let i = 0; i < p.batch; i++) {
      const a = k.vmalloc.vmalloc(p.areaSize, "lazy-purge storm");
      if (a === 0n) throw new Error("lazy-purge: vmalloc failed");
      k.onCpu(i % q.harts, () => {
        for (let off = 0; off < p.areaSize; off += 4096) k.kmem.write64(a + BigInt(off), BigInt(i));
      });
      areas.push(a);
    }
    k.onCpu(0, () => {
      for (const a of areas) k.vmalloc.vfree(a);
    });
    vfrees += areas.length;
    freed += perBatch;
  }
  const after = counters(k);
  const mib = freed / MiB;
  const per = (key: keyof Counters): number => Math.round(((after[key] - before[key]) / mib) * 1000) / 1000;
  return {
    tlb: p.tlb.name,
    harts: q.harts,
    lazy_max_pages: lazyMax,
    linux_default: q.lazy === null,
    freed_mib: mib,
    vfrees,
    purges: after.purges - before.purges,
    purges_per_mib: per("purges"),
    sfence_per_mib:
      Math.round(((after.flushOne + after.flushAll - before.flushOne - before.flushAll) / mib) * 1000) / 1000,
    flush_all_per_mib: per("flushAll"),
    shootdowns_per_mib: per("shootdowns"),
    ipis_per_mib: per("ipis"),
    entries_dropped_per_mib: per("dropped"),
    kernel_us_per_mib: Math.round((after.cycles - before.cycles) / mib) / 1000,
    lazy_pages_left: k.vmalloc.vmap_lazy_nr,
  };
}

/** One counter per MiB freed against lazy_max_pages, a line per hart count, Linux's value marked. */
function purgePanel(rows: Row[], p: PurgeParams, field: string, title: string, ytitle: string) {
  const xs = rows.map((r) => r.lazy_max_pages as number);
  return {
    width: 260,
    height: 230,
    title,
    data: { values: rows },
    transform: [{ filter: `datum.${field} > 0` }, { calculate: "'' + datum.harts", as: "hart_count" }],
    layer: [
      {
        mark: { type: "line" as const, point: false, opacity: 0.8 },
        encoding: {
          x: {
            field: "lazy_max_pages",
            type: "quantitative" as const,
            title: "lazy_max_pages (log scale)",
            scale: { type: "log", domain: [Math.min(...xs), Math.max(...xs) * 1.2] },
            axis: { format: "~s" },
          },
          y: { field, type: "quantitative" as const, title: ytitle, scale: { type: "log" } },
          color: {
            field: "hart_count",
            type: "nominal" as const,
            title: "harts",
            scale: { domain: p.harts.map(String), range: HART_COLORS.slice(0, p.harts.length) },
          },
        },
      },
      {
        mark: { type: "point" as const, filled: true, size: 60 },
        encoding: {
          x: { field: "lazy_max_pages", type: "quantitative" as const },
          y: { field, type: "quantitative" as const },
          color: { field: "hart_count", type: "nominal" as const },
          shape: {
            field: "linux_default",
            type: "nominal" as const,
            title: "Linux's value",
            scale: { domain: [true, false], range: ["diamond", "circle"] },
          },
        },
      },
    ],
  };
}

/** Purges, IPIs and entries dropped per MiB freed (NAME.svg). */
function purgePlots(rows: Row[], p: PurgeParams): PlotSpec[] {
  const subtitle =
    `${p.areaSize / 1024} KiB areas written on every hart, vfree'd in batches of ${p.batch}, ` +
    `${p.tlb.name} TLB; diamonds: Linux's fls(CPUs) x 8192 pages`;
  return [
    figure("", "vfree storms: the cost of a small lazy_max_pages", subtitle, {
      hconcat: [
        purgePanel(rows, p, "purges_per_mib", "Lazy purges (flush_tlb_kernel_range)", "purges / MiB freed"),
        purgePanel(rows, p, "ipis_per_mib", "Flush IPIs to other harts", "IPIs / MiB freed"),
        purgePanel(
          rows,
          p,
          "entries_dropped_per_mib",
          "TLB entries dropped, all harts",
          "entries dropped / MiB",
        ),
      ],
    }),
  ];
}

function purgeTables(rows: Row[]): string[][][] {
  const head = [
    "harts",
    "lazy_max_pages",
    "freed MiB",
    "purges/MiB",
    "sfence/MiB",
    "IPIs/MiB",
    "dropped/MiB",
    "kernel us/MiB",
  ];
  const out = [head];
  for (const r of rows) {
    out.push([
      fmt(r.harts),
      `${fmt(r.lazy_max_pages)}${r.linux_default ? " (Linux)" : ""}`,
      fmt(r.freed_mib),
      fmt(r.purges_per_mib, 3),
      fmt(r.sfence_per_mib, 2),
      fmt(r.ipis_per_mib, 2),
      fmt(r.entries_dropped_per_mib, 1),
      fmt(r.kernel_us_per_mib, 1),
    ]);
  }
  return [out];
}

function purgeNotes(rows: Row[], p: PurgeParams): string[] {
  const notes: string[] = [];
  for (const h of p.harts) {
    const lin = rows.find((r) => r.harts === h && r.linux_default === true);
    const small = rows.filter((r) => r.harts === h && r.linux_default === false);
    const least = small.sort((a, b) => (a.lazy_max_pages as number) - (b.lazy_max_pages as number))[0];
    if (!lin || !least) continue;
    const ratio = (key: string): string => {
      const a = lin[key] as number;
      const b = least[key] as number;
      return a > 0 ? `${fmt(b / a, 0)}x` : b > 0 ? "from none" : "none either way";
    };
    notes.push(
      `${h} hart${h > 1 ? "s" : ""}: lazy_max_pages ${fmt(least.lazy_max_pages)} instead of Linux's ${fmt(lin.lazy_max_pages)}: ` +
        `purges ${ratio("purges_per_mib")}, IPIs ${ratio("ipis_per_mib")}, sfence.vma ${ratio("sfence_per_mib")}, ` +
        `entries dropped ${ratio("entries_dropped_per_mib")} per MiB freed`,
    );
  }
  return notes;
}

export const lazyPurgeExperiment = defineExperiment<PurgeParams, PurgePoint>({
  name: "lazy-purge",
  summary:
    "vfree storms with lazy_max_pages at Linux's value and below, 1-8 harts: flushes, IPIs, entries dropped",
  description: `Boots the kernel (kasan=off, as production kernels) on 1, 2, 4 and 8 harts with
vmalloc.lazy_max_pages at Linux's value (fls(CPUs) x 8192 pages) and at 1, 64, 512 and 4096
pages; allocates 16 KiB areas, writes every page of each from hart i mod harts, and vfree()s them
in batches of 64 until enough was freed for several purges. Per MiB freed: lazy purges (each one
flush_tlb_kernel_range on every hart), sfence.vma executed, shootdowns and IPIs, TLB entries
dropped on all harts, and the kernel's cost-model time.`,
  uses: ["tlb"],
  columns: [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "harts", description: "harts (CPUs)" },
    { key: "lazy_max_pages", description: "pages of lazily freed VA allowed before a purge" },
    { key: "linux_default", description: "true: Linux's fls(CPUs) x 32 MiB / 4 KiB", kind: "boolean" },
    { key: "freed_mib", description: "MiB vfree'd" },
    { key: "vfrees", description: "vfree() calls" },
    { key: "purges", description: "lazy purges (one flush_tlb_kernel_range each)" },
    { key: "purges_per_mib", description: "purges per MiB freed" },
    { key: "sfence_per_mib", description: "sfence.vma executed on all harts per MiB (by address or all)" },
    { key: "flush_all_per_mib", description: "full flushes (sfence.vma x0, x0) per MiB, all harts" },
    { key: "shootdowns_per_mib", description: "flushes that reached other harts, per MiB" },
    { key: "ipis_per_mib", description: "flush IPIs received by other harts, per MiB" },
    { key: "entries_dropped_per_mib", description: "TLB entries the flushes dropped, all harts, per MiB" },
    {
      key: "kernel_us_per_mib",
      description: "kernel time per MiB, cost model (1 GHz nominal), microseconds",
    },
    { key: "lazy_pages_left", description: "lazily freed VA pages still waiting at the end" },
  ],
  paramsShape: {
    tlb: "tlb",
    harts: ["number"],
    lazyValues: ["number"],
    areaSize: "number",
    batch: "number",
    purges: "number",
    minFreed: "number",
    maxFreed: "number",
    cmdline: "string",
  },
  plan(opts) {
    const params: PurgeParams = {
      tlb: opts.tlb,
      harts: opts.test ? [1, 2] : [1, 2, 4, 8],
      lazyValues: opts.test ? [1, 512] : [1, 64, 512, 4096],
      areaSize: 16 * 1024,
      batch: 64,
      purges: opts.test ? 1 : opts.quick ? 2 : 6,
      minFreed: opts.test ? MiB : opts.quick ? 4 * MiB : 16 * MiB,
      maxFreed: opts.test ? 64 * MiB : opts.quick ? 256 * MiB : 1024 * MiB,
      cmdline: "kasan=off",
    };
    const points: PurgePoint[] = [];
    for (const harts of params.harts) {
      for (const lazy of params.lazyValues) points.push({ harts, lazy });
      points.push({ harts, lazy: null });
    }
    return { params, points };
  },
  runPoint: (params, point) => [purgePoint(params, point)],
  plots: purgePlots,
  tables: (rows) => purgeTables(rows),
  notes: purgeNotes,
});
