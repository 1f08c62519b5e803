// thp: a user program under the mini-kernel that mmaps a large anonymous region, optionally asks
// for huge pages with madvise(MADV_HUGEPAGE), touches one byte per 4 KiB page (the first-touch
// faults), then reads one page after another in a pseudo-random order (a full-period LCG over
// the page numbers) for two laps. The guest is generated with the assembler; getpid() calls mark
// the phases, and the counters are read at each mark (through the strace hook). The kernel runs
// with transparent_hugepage=never, madvise or always.

import { assemble } from "../asm/index.js";
import { Machine, Paging } from "../cpu/index.js";
import { bootKernel, type Kernel } from "../kernel/index.js";
import type { TlbConfig } from "../mmu/index.js";
import { figure, formatBytes, MiB } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

export const THP_MODES = ["never", "madvise", "always"] as const;
export type ThpSetting = (typeof THP_MODES)[number];

export interface ThpParams {
  tlb: TlbConfig;
  sizes: number[];
  /** Laps of the read phase over every page. */
  laps: number;
}

export interface ThpPoint {
  thp: ThpSetting;
  madvise: boolean;
  size: number;
}

const SYS_GETPID = 172;
const HUGE = 2 * MiB;

/** The guest program (RV64, at 0x10000): mmap, madvise, touch, read laps, exit 0. */
export function thpGuest(size: number, madvise: boolean, reads: number): string {
  const pages = size / 4096;
  if (!Number.isInteger(Math.log2(pages))) throw new Error(`thp guest: ${size} is not a power of two pages`);
  return `
_start:
        li a0, 0                      # mmap(NULL, size + 2 MiB, RW, PRIVATE|ANONYMOUS, -1, 0)
        li a1, ${size + HUGE}
        li a2, 3
        li a3, 0x22
        li a4, -1
        li a5, 0
        li a7, 222
        ecall
        bltz a0, fail
        li t0, ${HUGE - 1}            # s0: the 2 MiB-aligned start inside it
        add a0, a0, t0
        not t0, t0
        and s0, a0, t0
${
  madvise
    ? `        mv a0, s0                     # madvise(s0, size, MADV_HUGEPAGE)
        li a1, ${size}
        li a2, 14
        li a7, 233
        ecall
        bnez a0, fail`
    : ""
}
        li a7, ${SYS_GETPID}          # mark: the touch phase starts
        ecall
        li t1, 0
        li t2, ${size}
        li t3, 4096
1:      add t4, s0, t1                # one store per 4 KiB page
        sb t3, 0(t4)
        add t1, t1, t3
        blt t1, t2, 1b
        li a7, ${SYS_GETPID}          # mark: the read phase starts
        ecall
        li s1, ${reads}
        li s2, 1103515245             # page = (page * a + c) mod pages: every page once per lap
        li s3, ${pages - 1}
        li s4, 0
2:      mul s4, s4, s2
        addi s4, s4, 1235
        and s4, s4, s3
        slli t0, s4, 12
        add t0, t0, s0
        lbu t1, 0(t0)
        addi s1, s1, -1
        bnez s1, 2b
        li a7, ${SYS_GETPID}          # mark: done
        ecall
        li a0, 0
        li a7, 94
        ecall
fail:   li a0, 1
        li a7, 94
        ecall
`;
}

interface Snap {
  accesses: number;
  l1Misses: number;
  l2Misses: number;
  walks: number;
  walkRefs: number;
  insns: number;
  faults: number;
  thp: number;
}

function snap(k: Kernel, faults: number): Snap {
  const h = k.machine.harts[0]!;
  const p = h.translator as Paging;
  const c = p.tlb.levelCounters();
  let walks = 0;
  for (const kind of ["r", "w"] as const) for (const n of p.tlb.walks[kind].values()) walks += n;
  return {
    accesses: c.l1d.r.accesses + c.l1d.w.accesses,
    l1Misses: c.l1d.r.misses + c.l1d.w.misses,
    l2Misses: c.l2.r.misses + c.l2.w.misses,
    walks,
    walkRefs: p.tlb.walkRefs.r + p.tlb.walkRefs.w,
    insns: h.steps,
    faults,
    thp: k.vmstat.get("thp_fault_alloc"),
  };
}

export function configLabel(thp: string, madvise: boolean): string {
  return `${thp}${madvise ? " + MADV_HUGEPAGE" : ""}`;
}

function thpPoint(p: ThpParams, q: ThpPoint): Row {
  const m = new Machine({ mem: q.size + 128 * MiB, harts: 1, tlb: p.tlb, console: () => {} });
  const k = bootKernel(m, `transparent_hugepage=${q.thp} kasan=off`);
  const h = m.harts[0]!;
  if (!(h.translator instanceof Paging)) throw new Error("thp: no paging");
  let faults = 0;
  h.trapListeners.push((_h, cause) => {
    if (cause === 12 || cause === 13 || cause === 15) faults++;
  });
  const pages = q.size / 4096;
  const reads = p.laps * pages;
  const marks: Snap[] = [];
  const none = new Uint8Array(0);
  let output = "";
  const t = k.sched.spawn({
    elf: assemble(thpGuest(q.size, q.madvise, reads), { base: 0x10000n }).toElf(),
    path: "/bin/thp_touch",
    argv: ["thp_touch"],
    envp: [],
    io: {
      stdin: () => none,
      write: (_fd, data) => {
        output += new TextDecoder().decode(data);
      },
      isatty: () => false,
    },
    strace: (line) => {
      if (line.startsWith("getpid(")) marks.push(snap(k, faults));
    },
  });
  k.sched.run(50 * pages + 10_000_000);
  if (t.exitCode !== 0 || marks.length !== 3)
    throw new Error(`thp: the guest did not finish (status ${t.exitCode}, ${marks.length} marks) ${output}`);
  const [a, b, c] = marks as [Snap, Snap, Snap];
  const per1k = (n: number, d: number): number => Math.round((100_000 * n) / d) / 100;
  const touchAcc = b.accesses - a.accesses;
  const readAcc = c.accesses - b.accesses;
  return {
    tlb: p.tlb.name,
    config: configLabel(q.thp, q.madvise),
    thp: q.thp,
    madvise: q.madvise,
    size: q.size,
    huge_pages: c.thp,
    touch_pages: pages,
    touch_faults: b.faults - a.faults,
    touch_dtlb_accesses: touchAcc,
    touch_dtlb_misses: b.l1Misses - a.l1Misses,
    touch_walks: b.walks - a.walks,
    touch_insns_per_page: Math.round(((b.insns - a.insns) / pages) * 100) / 100,
    read_accesses: readAcc,
    read_insns_per_access: Math.round(((c.insns - b.insns) / reads) * 100) / 100,
    read_l1_misses_per_1k: per1k(c.l1Misses - b.l1Misses, readAcc),
    read_l2_misses_per_1k: per1k(c.l2Misses - b.l2Misses, readAcc),
    read_walks_per_1k: per1k(c.walks - b.walks, readAcc),
    read_walk_refs_per_walk:
      c.walks > b.walks ? Math.round(((c.walkRefs - b.walkRefs) / (c.walks - b.walks)) * 1000) / 1000 : null,
  };
}

const CONFIG_ORDER = THP_MODES.flatMap((m) => [configLabel(m, false), configLabel(m, true)]);
const CONFIG_COLORS = ["#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#2ca02c", "#98df8a"];

/** One counter as bars per mapping size, a bar per configuration; `log`: a log scale from 1. */
function thpPanel(rows: Row[], p: ThpParams, field: string, title: string, ytitle: string, log: boolean) {
  return {
    width: 300,
    height: 240,
    title,
    data: { values: rows },
    transform: [{ calculate: "format(datum.size / 1048576, 'd') + ' MiB'", as: "region" }],
    mark: { type: "bar" as const },
    encoding: {
      x: {
        field: "region",
        type: "nominal" as const,
        title: "mapping size",
        sort: p.sizes.map(formatBytes),
        axis: { labelAngle: 0 },
      },
      xOffset: { field: "config", type: "nominal" as const, sort: CONFIG_ORDER },
      y: {
        field,
        type: "quantitative" as const,
        title: ytitle,
        scale: log ? { type: "log", domainMin: 1 } : { zero: true },
        stack: null,
      },
      // Bars on a log scale start at 1, not at 0.
      ...(log ? { y2: { datum: 1 } } : {}),
      color: {
        field: "config",
        type: "nominal" as const,
        title: "transparent_hugepage= (guest's madvise)",
        scale: { domain: CONFIG_ORDER, range: CONFIG_COLORS },
      },
    },
  };
}

/** Walks and L1 misses while reading, and first-touch faults (NAME.svg). */
function thpPlots(rows: Row[], p: ThpParams): PlotSpec[] {
  const subtitle = `${p.tlb.name} TLB; reads: ${p.laps} laps over every 4 KiB page in a pseudo-random order`;
  return [
    figure("", "Transparent huge pages: a guest touching then reading an anonymous mapping", subtitle, {
      hconcat: [
        thpPanel(rows, p, "read_walks_per_1k", "Page walks while reading", "walks per 1000 loads", false),
        thpPanel(
          rows,
          p,
          "read_l1_misses_per_1k",
          "L1 DTLB misses while reading",
          "misses per 1000 loads",
          false,
        ),
        thpPanel(rows, p, "touch_faults", "Page faults on first touch", "faults (log scale)", true),
      ],
    }),
  ];
}

function thpTables(rows: Row[]): string[][][] {
  const head = [
    "thp",
    "MADV_HUGEPAGE",
    "size",
    "huge pages",
    "faults",
    "read: L1 miss/1k",
    "L2 miss/1k",
    "walks/1k",
    "refs/walk",
    "insns/load",
  ];
  const out = [head];
  for (const r of rows) {
    out.push([
      String(r.thp),
      r.madvise ? "yes" : "no",
      formatBytes(r.size as number),
      fmt(r.huge_pages),
      fmt(r.touch_faults),
      fmt(r.read_l1_misses_per_1k, 1),
      fmt(r.read_l2_misses_per_1k, 1),
      fmt(r.read_walks_per_1k, 1),
      fmt(r.read_walk_refs_per_walk, 2),
      fmt(r.read_insns_per_access, 2),
    ]);
  }
  return [out];
}

function thpNotes(rows: Row[], p: ThpParams): string[] {
  const size = Math.max(...p.sizes);
  const off = rows.find((r) => r.size === size && r.thp === "never" && r.madvise === false);
  const on = rows.find((r) => r.size === size && r.thp === "always" && r.madvise === false);
  if (!off || !on) return [];
  return [
    `${formatBytes(size)}: THP always vs never: ${fmt(on.touch_faults)} faults instead of ${fmt(off.touch_faults)}, ` +
      `${fmt(on.read_walks_per_1k, 1)} walks per 1000 loads instead of ${fmt(off.read_walks_per_1k, 1)}, ` +
      `${fmt(on.huge_pages)} huge pages; madvise needs the guest's MADV_HUGEPAGE, never ignores it`,
  ];
}

export const thpExperiment = defineExperiment<ThpParams, ThpPoint>({
  name: "thp",
  summary: "a guest touching and reading an anonymous mapping with transparent_hugepage never/madvise/always",
  description: `A user program (generated with the assembler) under the kernel (kasan=off): mmap an
anonymous region (16, 64 and 256 MiB; --quick: 16 and 64), madvise(MADV_HUGEPAGE) it or not, store
one byte per 4 KiB page, then read the pages in a pseudo-random order for two laps, with
transparent_hugepage=never, madvise and always. Per run: huge pages, first-touch faults, and for
the read phase DTLB misses, L2 misses and walks per 1000 loads, PTE reads per walk and
instructions per load.`,
  uses: ["tlb"],
  columns: [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "config", description: "transparent_hugepage setting and the guest's madvise", kind: "string" },
    { key: "thp", description: "transparent_hugepage=", kind: "string" },
    { key: "madvise", description: "the guest called madvise(MADV_HUGEPAGE)", kind: "boolean" },
    { key: "size", description: "bytes mapped and touched (2 MiB aligned)" },
    { key: "huge_pages", description: "thp_fault_alloc: 2 MiB pages faulted in" },
    { key: "touch_pages", description: "4 KiB pages touched" },
    { key: "touch_faults", description: "page faults while touching" },
    { key: "touch_dtlb_accesses", description: "DTLB lookups while touching (the kernel's included)" },
    { key: "touch_dtlb_misses", description: "L1 DTLB misses while touching" },
    { key: "touch_walks", description: "page walks while touching" },
    { key: "touch_insns_per_page", description: "guest instructions per page touched" },
    { key: "read_accesses", description: "DTLB lookups while reading" },
    { key: "read_insns_per_access", description: "guest instructions per load while reading" },
    { key: "read_l1_misses_per_1k", description: "L1 DTLB misses per 1000 loads" },
    { key: "read_l2_misses_per_1k", description: "L2 TLB misses per 1000 loads" },
    { key: "read_walks_per_1k", description: "page walks per 1000 loads" },
    { key: "read_walk_refs_per_walk", description: "PTE reads per walk (empty: no walk)" },
  ],
  paramsShape: { tlb: "tlb", sizes: ["number"], laps: "number" },
  plan(opts) {
    const params: ThpParams = {
      tlb: opts.tlb,
      sizes: opts.test ? [8 * MiB] : opts.quick ? [16 * MiB, 64 * MiB] : [16 * MiB, 64 * MiB, 256 * MiB],
      laps: opts.test ? 1 : 2,
    };
    const points: ThpPoint[] = [];
    for (const size of params.sizes)
      for (const thp of THP_MODES) for (const madvise of [false, true]) points.push({ thp, madvise, size });
    return { params, points };
  },
  runPoint: (params, point) => [thpPoint(params, point)],
  plots: thpPlots,
  tables: (rows) => thpTables(rows),
  notes: thpNotes,
});
