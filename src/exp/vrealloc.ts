// vrealloc: four scenarios, each under the mini-kernel (KASAN on) and with each historic bug
// replayed by `vrealloc.bug=`:
//  - shrink: a 256 KiB object shrunk to 16 KiB after both harts touched every page: pages freed,
//    the memory reduction, TLB entries invalidated (and left stale), the pointer unchanged;
//  - huge: a 4 MiB vmalloc_huge() object (2 MiB leaves) shrunk to 16 KiB keeps all its pages
//    (only requested_size changes), against the same object with nohugevmalloc;
//  - grow: growing an object by 8 bytes within its last page (in place) and across it (a new
//    area and a copy), for sizes from 4 KiB to 64 MiB: the kernel's cost-model time;
//  - bpf: the BPF verifier's push_insn_history pattern, one 16-byte entry per kvrealloc, from a
//    vmalloc'd array (where kvrealloc hands it to vrealloc), booted with init_on_alloc=1 as
//    distribution kernels are: time, copies, bytes copied and zeroed, KASAN reports, and whether
//    every entry survived.

import { Machine, Paging } from "../cpu/index.js";
import { bootKernel, GFP_KERNEL, type Kernel, KernelOops, VREALLOC_BUGS } from "../kernel/index.js";
import type { TlbConfig } from "../mmu/index.js";
import { bytesAxis, figure, formatBytes, KiB, MiB, powers } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

export interface VreallocParams {
  tlb: TlbConfig;
  /** Bug ids of VREALLOC_BUGS. */
  bugs: string[];
  growSizes: number[];
  bpfEntries: number[];
}

export type VreallocPoint =
  | { kind: "shrink"; bug: string | null }
  | { kind: "huge"; huge: boolean }
  | { kind: "grow"; size: number }
  | { kind: "bpf"; bug: string | null; entries: number };

const BUG_NAMES: Record<string, string> = VREALLOC_BUGS;
const bugLabel = (bug: string | null): string =>
  bug === null ? "none (fixed)" : `${bug} (${BUG_NAMES[bug]})`;

/** Counts the bytes vrealloc copies and zeroes (its memcpy/memset calls are tagged "vrealloc"). */
function instrument(k: Kernel): { copied: number; zeroed: number } {
  const c = { copied: 0, zeroed: 0 };
  const kmem = k.kmem;
  const memcpy = kmem.memcpy.bind(kmem);
  const memset = kmem.memset.bind(kmem);
  kmem.memcpy = (dst, src, len, ip) => {
    if (ip === "vrealloc") c.copied += len;
    memcpy(dst, src, len, ip);
  };
  kmem.memset = (va, byte, len, ip) => {
    if (ip === "vrealloc") c.zeroed += len;
    memset(va, byte, len, ip);
  };
  return c;
}

const cycles = (k: Kernel): number => k.machine.clocks.reduce((a, b) => a + b, 0);

function droppedAll(k: Kernel): number {
  let n = 0;
  for (const h of k.machine.harts) if (h.translator instanceof Paging) n += h.translator.tlb.flushes.dropped;
  return n;
}

/** TLB entries (every hart, every level) whose page lies in [start, end). */
function cachedIn(k: Kernel, start: bigint, end: bigint): number {
  const mask = (1n << 48n) - 1n;
  const lo = Number((start & mask) >> 12n);
  const hi = Number((end & mask) >> 12n);
  let n = 0;
  for (const h of k.machine.harts) {
    if (!(h.translator instanceof Paging)) continue;
    for (const e of h.translator.tlb.entries()) {
      const last = e.vpn + 2 ** (e.shift - 12);
      if (e.vpn < hi && last > lo) n++;
    }
  }
  return n;
}

function boot(p: VreallocParams, harts: number, mem: number, cmdline: string): Kernel {
  return bootKernel(new Machine({ mem, harts, tlb: p.tlb, console: () => {} }), cmdline.trim());
}

function shrinkPoint(p: VreallocParams, bug: string | null): Row {
  const k = boot(p, 2, 128 * MiB, bug ? `vrealloc.bug=${bug}` : "");
  const old = 256 * KiB;
  const size = 16 * KiB;
  const ptr = k.vmalloc.vmalloc(old, "exp_vrealloc_shrink");
  for (const cpu of [0, 1]) {
    k.onCpu(cpu, () => {
      for (let off = 0; off < old; off += 4096) k.kmem.write64(ptr + BigInt(off), BigInt(off + 1));
    });
  }
  const freedStart = ptr + BigInt(size);
  const freedEnd = ptr + BigInt(old);
  const free0 = k.pages.nr_free_pages();
  const vmPages0 = k.vmalloc.nr_vmalloc_pages;
  const cached0 = cachedIn(k, freedStart, freedEnd);
  const dropped0 = droppedAll(k);
  const fences0 = k.vmstat.get("nr_tlb_local_flush_one") + k.vmstat.get("nr_tlb_local_flush_all");
  const shoot0 = k.flush.shootdowns;
  const kasan0 = k.kasan?.reports ?? 0;
  const t0 = cycles(k);
  const q = k.vmalloc.vrealloc(ptr, size);
  const t1 = cycles(k);
  const pagesFreed = k.pages.nr_free_pages() - free0;
  const stale = cachedIn(k, freedStart, freedEnd);
  const row: Row = {
    scenario: "shrink",
    bug: bug ?? "none",
    harts: 2,
    mapping: "4k",
    old_size: old,
    new_size: size,
    same_pointer: q === ptr,
    pages_before: old / 4096,
    pages_after: k.vmalloc.find_vm_area(q)?.nr_pages ?? null,
    pages_freed: pagesFreed,
    reduction_pct: Math.round((pagesFreed / (old / 4096)) * 10_000) / 100,
    vmalloc_pages_delta: k.vmalloc.nr_vmalloc_pages - vmPages0,
    tlb_cached_before: cached0,
    tlb_entries_invalidated: droppedAll(k) - dropped0,
    tlb_stale_after: stale,
    sfences: k.vmstat.get("nr_tlb_local_flush_one") + k.vmstat.get("nr_tlb_local_flush_all") - fences0,
    shootdowns: k.flush.shootdowns - shoot0,
    kernel_us: (t1 - t0) / 1000,
  };
  // Is the kept part intact, and what does a read of the freed part do on hart 1?
  let ok = true;
  for (let off = 0; off < size; off += 4096) ok &&= k.kmem.read64(q + BigInt(off)) === BigInt(off + 1);
  row.data_ok = ok;
  let freedRead: string;
  try {
    k.onCpu(1, () => k.kmem.read64(freedStart + 4096n));
    freedRead = pagesFreed > 0 ? "stale TLB hit (use after free)" : "mapped (pages kept)";
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    freedRead = "oops (unmapped)";
  }
  row.freed_range_read = freedRead;
  row.kasan_reports = (k.kasan?.reports ?? 0) - kasan0;
  return row;
}

function hugePoint(p: VreallocParams, huge: boolean): Row {
  const k = boot(p, 1, 128 * MiB, huge ? "" : "nohugevmalloc");
  const old = 4 * MiB;
  const size = 16 * KiB;
  const ptr = k.vmalloc.vmalloc_huge(old);
  if (ptr === 0n) throw new Error("vrealloc: vmalloc_huge failed");
  for (let off = 0; off < old; off += 4096) k.kmem.write64(ptr + BigInt(off), 1n);
  const vm = k.vmalloc.find_vm_area(ptr)!;
  const order = vm.page_order;
  const pagesBefore = vm.nr_pages;
  const sizeBefore = vm.size;
  const free0 = k.pages.nr_free_pages();
  const dropped0 = droppedAll(k);
  const t0 = cycles(k);
  const q = k.vmalloc.vrealloc(ptr, size);
  const t1 = cycles(k);
  const after = k.vmalloc.find_vm_area(q)!;
  const freed = k.pages.nr_free_pages() - free0;
  return {
    scenario: "huge-shrink",
    bug: "none",
    harts: 1,
    mapping: order === 9 ? "2m" : "4k",
    old_size: old,
    new_size: size,
    same_pointer: q === ptr,
    pages_before: pagesBefore,
    pages_after: after.nr_pages,
    pages_freed: freed,
    reduction_pct: Math.round((freed / pagesBefore) * 10_000) / 100,
    tlb_entries_invalidated: droppedAll(k) - dropped0,
    requested_size_after: after.requested_size,
    vm_size_unchanged: after.size === sizeBefore,
    kernel_us: (t1 - t0) / 1000,
  };
}

function growPoint(p: VreallocParams, size: number): Row[] {
  const k = boot(p, 1, Math.max(128 * MiB, 4 * size + 64 * MiB), "");
  const c = instrument(k);
  const rows: Row[] = [];
  // In place: the object ends 8 bytes short of its last page, and grows by 8 bytes.
  // By copy: the object fills its last page, and grows by 8 bytes into a new one.
  for (const [scenario, start] of [
    ["grow-in-place", size - 8],
    ["grow-by-copy", size],
  ] as const) {
    const ptr = k.vmalloc.vmalloc(start, `exp_${scenario}`);
    if (ptr === 0n) throw new Error(`vrealloc: vmalloc(${start}) failed`);
    k.kmem.write64(ptr, 0x1234n);
    const copied0 = c.copied;
    const t0 = cycles(k);
    const q = k.vmalloc.vrealloc(ptr, start + 8);
    const t1 = cycles(k);
    rows.push({
      scenario,
      bug: "none",
      harts: 1,
      mapping: "4k",
      old_size: start,
      new_size: start + 8,
      same_pointer: q === ptr,
      bytes_copied: c.copied - copied0,
      kernel_us: (t1 - t0) / 1000,
      data_ok: k.kmem.read64(q) === 0x1234n,
    });
    k.vmalloc.vfree(q);
  }
  return rows;
}

function bpfPoint(p: VreallocParams, bug: string | null, entries: number): Row {
  const k = boot(p, 1, 256 * MiB, `init_on_alloc=1${bug ? ` vrealloc.bug=${bug}` : ""}`);
  const c = instrument(k);
  const kasan0 = k.kasan?.reports ?? 0;
  const entry = (n: number): Uint8Array => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setUint32(0, n, true);
    new DataView(b.buffer).setUint32(8, n ^ 0x5a5a5a5a, true);
    return b;
  };
  const t0 = cycles(k);
  let ptr = k.vmalloc.vmalloc(16, "push_insn_history");
  k.kmem.write(ptr, entry(1), "push_insn_history");
  let copies = 0;
  for (let n = 2; n <= entries; n++) {
    const q = k.kv.kvrealloc(ptr, n * 16, GFP_KERNEL);
    if (q === 0n) throw new Error(`vrealloc: kvrealloc to ${n * 16} bytes failed`);
    if (q !== ptr) copies++;
    ptr = q;
    k.kmem.write(ptr + BigInt((n - 1) * 16), entry(n), "push_insn_history");
  }
  const t1 = cycles(k);
  const all = k.kmem.read(ptr, entries * 16, "check");
  let ok = true;
  for (let n = 1; n <= entries && ok; n++) {
    const want = entry(n);
    for (let i = 0; i < 16; i++) if (all[(n - 1) * 16 + i] !== want[i]) ok = false;
  }
  const pages = k.vmalloc.find_vm_area(ptr)?.nr_pages ?? null;
  k.vmalloc.vfree(ptr);
  return {
    scenario: "bpf",
    bug: bug ?? "none",
    harts: 1,
    mapping: "4k",
    new_size: entries * 16,
    entries,
    copies,
    bytes_copied: c.copied,
    bytes_zeroed: c.zeroed,
    kasan_reports: (k.kasan?.reports ?? 0) - kasan0,
    pages_after: pages,
    kernel_us: (t1 - t0) / 1000,
    data_ok: ok,
  };
}

const BUG_COLORS = ["#333333", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/** The vrealloc.bug colour scale ("none" first). */
function bugColor(p: VreallocParams) {
  const bugs = ["none", ...p.bugs];
  return {
    field: "bug",
    type: "nominal" as const,
    title: "vrealloc.bug",
    scale: { domain: bugs, range: BUG_COLORS.slice(0, bugs.length) },
  };
}

/** One counter of the BPF scenario against the entries pushed, a line per bug. */
function bpfPanel(rows: Row[], p: VreallocParams, field: string, title: string, ytitle: string) {
  const lo = Math.min(...p.bpfEntries);
  const hi = Math.max(...p.bpfEntries);
  return {
    width: 300,
    height: 240,
    title,
    data: { values: rows.filter((r) => r.scenario === "bpf") },
    transform: [{ filter: `datum.${field} > 0` }],
    mark: { type: "line" as const, point: true },
    encoding: {
      x: {
        field: "entries",
        type: "quantitative" as const,
        title: "entries pushed (16 bytes each; log scale)",
        scale: { type: "log", base: 2, domain: [lo, hi], nice: false },
        axis: { values: powers(lo, hi, 4), format: "d" },
      },
      y: { field, type: "quantitative" as const, title: ytitle, scale: { type: "log" } },
      color: bugColor(p),
    },
  };
}

/** Kernel time of growing in place against growing by copy, over the object size. */
function growChart(rows: Row[], p: VreallocParams) {
  return {
    width: 420,
    height: 260,
    data: { values: rows.filter((r) => r.scenario === "grow-in-place" || r.scenario === "grow-by-copy") },
    transform: [
      { calculate: "datum.scenario === 'grow-in-place' ? 'in place' : 'by copy'", as: "path" },
      { calculate: "datum.scenario === 'grow-in-place' ? datum.old_size + 8 : datum.old_size", as: "size" },
    ],
    mark: { type: "line" as const, point: true },
    encoding: {
      x: bytesAxis(
        "size",
        "object size, about (log scale)",
        Math.min(...p.growSizes),
        Math.max(...p.growSizes),
      ),
      y: {
        field: "kernel_us",
        type: "quantitative" as const,
        title: "kernel time, µs (log scale)",
        scale: { type: "log" },
      },
      color: {
        field: "path",
        type: "nominal" as const,
        title: "vrealloc grows",
        sort: ["in place", "by copy"],
      },
    },
  };
}

/** One counter of the shrink scenario as a bar per bug. */
function shrinkBar(rows: Row[], p: VreallocParams, field: string, title: string) {
  return {
    width: 260,
    height: 200,
    title,
    data: { values: rows.filter((r) => r.scenario === "shrink") },
    mark: { type: "bar" as const },
    encoding: {
      y: { field: "bug", type: "nominal" as const, title: "vrealloc.bug", sort: ["none", ...p.bugs] },
      x: { field, type: "quantitative" as const, title },
      color: { ...bugColor(p), legend: null },
    },
  };
}

/** The BPF pattern (NAME.svg), growing (NAME-grow.svg) and the shrink (NAME-shrink.svg). */
function vreallocPlots(rows: Row[], p: VreallocParams): PlotSpec[] {
  return [
    figure(
      "",
      "vrealloc: the BPF verifier's growth pattern, one kvrealloc per 16-byte entry",
      [
        "kernel booted with init_on_alloc=1, KASAN on; each line replays one historic bug",
        "(lines of bugs that do not touch this path lie under the fixed one)",
      ],
      {
        hconcat: [
          bpfPanel(rows, p, "kernel_us", "Kernel time (cost model)", "µs (log scale)"),
          bpfPanel(rows, p, "bytes_copied", "Bytes copied by vrealloc", "bytes (log scale)"),
          bpfPanel(rows, p, "kasan_reports", "KASAN reports", "reports (log scale)"),
        ],
      },
    ),
    figure(
      "grow",
      "vrealloc: growing by 8 bytes in place vs by a new area and a copy",
      "kernel time from the kernel's cost model (1 GHz nominal), KASAN on",
      growChart(rows, p),
    ),
    figure(
      "shrink",
      "vrealloc: 256 KiB -> 16 KiB on 2 harts that touched every page",
      "pages freed, and TLB entries of the freed range still cached afterwards",
      {
        hconcat: [
          shrinkBar(rows, p, "pages_freed", "pages freed (of 64)"),
          shrinkBar(rows, p, "tlb_stale_after", "stale TLB entries left"),
        ],
      },
    ),
  ];
}

function vreallocTables(rows: Row[]): string[][][] {
  const shrink = [
    [
      "shrink 256K->16K",
      "pages freed",
      "reduction",
      "TLB invalidated",
      "stale left",
      "same ptr",
      "freed range read",
    ],
  ];
  for (const r of rows.filter((x) => x.scenario === "shrink")) {
    shrink.push([
      String(r.bug),
      fmt(r.pages_freed),
      `${fmt(r.reduction_pct, 2)} %`,
      fmt(r.tlb_entries_invalidated),
      fmt(r.tlb_stale_after),
      String(r.same_pointer),
      String(r.freed_range_read),
    ]);
  }
  const huge = [
    [
      "huge 4M->16K",
      "mapping",
      "pages before",
      "pages after",
      "pages freed",
      "requested size",
      "vm size kept",
    ],
  ];
  for (const r of rows.filter((x) => x.scenario === "huge-shrink")) {
    huge.push([
      r.mapping === "2m" ? "vmalloc_huge" : "nohugevmalloc",
      String(r.mapping),
      fmt(r.pages_before),
      fmt(r.pages_after),
      fmt(r.pages_freed),
      fmt(r.requested_size_after),
      String(r.vm_size_unchanged),
    ]);
  }
  const grow = [["grow by 8 bytes", "in place us", "by copy us", "ratio", "bytes copied"]];
  const inPlace = rows.filter((x) => x.scenario === "grow-in-place");
  for (const r of inPlace) {
    const c = rows.find((x) => x.scenario === "grow-by-copy" && x.old_size === (r.old_size as number) + 8);
    const ratio = c ? (c.kernel_us as number) / (r.kernel_us as number) : null;
    grow.push([
      formatBytes((r.old_size as number) + 8),
      fmt(r.kernel_us, 3),
      fmt(c?.kernel_us, 1),
      ratio === null ? "-" : `${fmt(ratio, 0)}x`,
      fmt(c?.bytes_copied),
    ]);
  }
  const bpf = [
    ["bpf pattern", "entries", "copies", "bytes copied", "bytes zeroed", "KASAN", "kernel ms", "data ok"],
  ];
  for (const r of rows.filter((x) => x.scenario === "bpf")) {
    bpf.push([
      String(r.bug),
      fmt(r.entries),
      fmt(r.copies),
      fmt(r.bytes_copied),
      fmt(r.bytes_zeroed),
      fmt(r.kasan_reports),
      fmt((r.kernel_us as number) / 1000, 2),
      String(r.data_ok),
    ]);
  }
  return [shrink, huge, grow, bpf];
}

function vreallocNotes(rows: Row[], p: VreallocParams): string[] {
  const notes: string[] = [];
  const fixed = rows.find((r) => r.scenario === "shrink" && r.bug === "none");
  if (fixed) {
    notes.push(
      `shrink 256 KiB -> 16 KiB: ${fmt(fixed.pages_freed)} of 64 pages freed (${fmt(fixed.reduction_pct, 2)}%), ` +
        `${fmt(fixed.tlb_entries_invalidated)} TLB entries invalidated on 2 harts, pointer unchanged: ${fixed.same_pointer}`,
    );
  }
  const big = Math.max(...p.growSizes);
  const gi = rows.find((r) => r.scenario === "grow-in-place" && (r.old_size as number) + 8 === big);
  const gc = rows.find((r) => r.scenario === "grow-by-copy" && r.old_size === big);
  if (gi && gc) {
    notes.push(
      `grow at ${formatBytes(big)}: in place ${fmt(gi.kernel_us, 3)} us, by copy ${fmt(gc.kernel_us, 0)} us ` +
        `(${fmt((gc.kernel_us as number) / (gi.kernel_us as number), 0)}x)`,
    );
  }
  const n = Math.max(...p.bpfEntries);
  const base = rows.find((r) => r.scenario === "bpf" && r.bug === "none" && r.entries === n);
  if (base) {
    for (const r of rows.filter((x) => x.scenario === "bpf" && x.entries === n && x.bug !== "none")) {
      const slower = (r.kernel_us as number) / (base.kernel_us as number);
      notes.push(
        `bpf ${fmt(n)} entries, ${bugLabel(String(r.bug))}: ${fmt(slower, 2)}x the time, ` +
          `${fmt(r.copies)} copies, ${fmt(r.kasan_reports)} KASAN reports, ${fmt(r.bytes_zeroed)} bytes zeroed`,
      );
    }
  }
  return notes;
}

export const vreallocExperiment = defineExperiment<VreallocParams, VreallocPoint>({
  name: "vrealloc",
  summary:
    "vrealloc shrink, huge shrink, grow in place vs by copy, the BPF growth pattern, each bug on and off",
  description: `Under the mini-kernel (KASAN on): 256 KiB -> 16 KiB shrink on 2 harts that touched every page
(pages freed, reduction, TLB entries invalidated and left stale, pointer kept, what a read of the
freed range does), with each vrealloc.bug; a 4 MiB vmalloc_huge object shrunk to 16 KiB (2 MiB
leaves keep every page) against nohugevmalloc; growing by 8 bytes in place vs by copy from 4 KiB
to 64 MiB; the BPF verifier's pattern (one 16-byte entry per kvrealloc, init_on_alloc=1) with
each vrealloc.bug on and off: time, copies, bytes copied and zeroed, KASAN reports, data intact.`,
  uses: ["tlb"],
  columns: [
    {
      key: "scenario",
      description: "shrink, huge-shrink, grow-in-place, grow-by-copy or bpf",
      kind: "string",
    },
    { key: "bug", description: "vrealloc.bug replayed (none: today's code)", kind: "string" },
    { key: "harts", description: "harts" },
    { key: "mapping", description: "leaf size of the object's mapping", kind: "string" },
    { key: "old_size", description: "size before, bytes" },
    { key: "new_size", description: "size asked for, bytes" },
    { key: "entries", description: "bpf: entries pushed" },
    { key: "same_pointer", description: "vrealloc returned the same pointer", kind: "boolean" },
    { key: "pages_before", description: "pages mapped before" },
    { key: "pages_after", description: "pages mapped after (vm->nr_pages)" },
    { key: "pages_freed", description: "pages given back to the buddy allocator" },
    { key: "reduction_pct", description: "pages freed / pages before, percent" },
    { key: "vmalloc_pages_delta", description: "change of nr_vmalloc_pages" },
    {
      key: "tlb_cached_before",
      description: "TLB entries (all harts and levels) in the range to free, before",
    },
    { key: "tlb_entries_invalidated", description: "TLB entries dropped by the flushes" },
    { key: "tlb_stale_after", description: "TLB entries still cached in the freed range after" },
    { key: "sfences", description: "sfence.vma executed, all harts" },
    { key: "shootdowns", description: "flushes sent to other harts" },
    {
      key: "freed_range_read",
      description: "what a read of the freed range on hart 1 does afterwards",
      kind: "string",
    },
    { key: "requested_size_after", description: "vm->requested_size after" },
    { key: "vm_size_unchanged", description: "vm->size (the VA reservation) unchanged", kind: "boolean" },
    { key: "copies", description: "bpf: reallocations that moved the array" },
    { key: "bytes_copied", description: "bytes vrealloc copied" },
    { key: "bytes_zeroed", description: "bytes vrealloc zeroed" },
    { key: "kasan_reports", description: "KASAN reports" },
    { key: "kernel_us", description: "kernel time, cost model (1 GHz nominal), microseconds" },
    { key: "data_ok", description: "the object's contents survived", kind: "boolean" },
  ],
  paramsShape: { tlb: "tlb", bugs: ["string"], growSizes: ["number"], bpfEntries: ["number"] },
  plan(opts) {
    const bugs = Object.keys(VREALLOC_BUGS);
    const params: VreallocParams = {
      tlb: opts.tlb,
      bugs,
      growSizes: opts.test
        ? [4 * KiB, MiB]
        : opts.quick
          ? powers(4 * KiB, 16 * MiB, 16)
          : powers(4 * KiB, 64 * MiB, 4),
      bpfEntries: opts.test ? [64, 512] : opts.quick ? [256, 1024, 4096] : [256, 1024, 4096, 16384],
    };
    const all: (string | null)[] = [null, ...bugs];
    const points: VreallocPoint[] = [
      ...params.bpfEntries.flatMap((entries) =>
        all.map((bug): VreallocPoint => ({ kind: "bpf", bug, entries })),
      ),
      ...all.map((bug): VreallocPoint => ({ kind: "shrink", bug })),
      { kind: "huge", huge: true },
      { kind: "huge", huge: false },
      ...params.growSizes.map((size): VreallocPoint => ({ kind: "grow", size })),
    ];
    return { params, points };
  },
  runPoint(params, point) {
    switch (point.kind) {
      case "shrink":
        return [shrinkPoint(params, point.bug)];
      case "huge":
        return [hugePoint(params, point.huge)];
      case "grow":
        return growPoint(params, point.size);
      case "bpf":
        return [bpfPoint(params, point.bug, point.entries)];
    }
  },
  plots: vreallocPlots,
  tables: (rows) => vreallocTables(rows),
  notes: vreallocNotes,
});
