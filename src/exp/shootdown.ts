// shootdown: user TLB shootdowns under the mini-kernel. A process's threads run on N of the
// machine's 8 harts (1, 2, 4 or 8): each hart switches to the process's mm (so it is in
// mm_cpumask) and touches a shared anonymous buffer through its own TLB; then the thread on hart
// 0 munmaps or mprotects (read-only) the whole buffer, 1 page to 64 MiB. Per call: shootdowns,
// IPIs sent and received, sfence.vma executed on all harts, TLB entries dropped, and the
// cost-model cycles of the caller and of the interrupted harts. Policies: Linux's (IPIs to
// mm_cpumask, a fence per page up to tlb_flush_all_threshold = 64 pages, then one whole-ASID
// flush), IPIs to every hart, other ceilings (0: always the whole ASID; none: always per page),
// and the range done as 8 calls of an eighth each, either each with its own shootdown or batched
// into one. The threads are modelled, as the lazy-purge experiment models them: the experiment
// drives the kernel directly (switch_mm, user accesses on each hart), not a guest program.

import { Machine } from "../cpu/index.js";
import { writeElf } from "../elf/index.js";
import { bootKernel, type Kernel, type task_struct } from "../kernel/index.js";
import type { TlbConfig } from "../mmu/index.js";
import { figure, MiB } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

/** The machine's harts: the all-harts policy interrupts all of them. */
const MACHINE_HARTS = 8;
const PAGE = 4096;
/** At most this many pages touched per hart (every stride-th page of a larger buffer): more
 *  than any preset's TLB holds. */
const MAX_TOUCHES = 4096;
/** The split and batch policies: the range as this many calls of equal size. */
const PIECES = 8;

export const POLICIES = [
  "linux",
  "all-harts",
  "ceiling-0",
  "ceiling-16",
  "ceiling-512",
  "per-page",
  "split-8",
  "batch-8",
] as const;
export type Policy = (typeof POLICIES)[number];

const POLICY_TEXT: Record<Policy, string> = {
  linux: "Linux: IPIs to mm_cpumask, per-page fences up to 64 pages, then the whole ASID",
  "all-harts": "IPIs to every hart of the machine (ceiling 64)",
  "ceiling-0": "always one whole-ASID flush",
  "ceiling-16": "per-page fences up to 16 pages",
  "ceiling-512": "per-page fences up to 512 pages",
  "per-page": "always a fence per page",
  "split-8": "8 calls of an eighth of the range, a shootdown each",
  "batch-8": "8 calls of an eighth of the range, one batched shootdown",
};

export interface ShootdownParams {
  tlb: TlbConfig;
  threads: number[];
  sizes: number[];
  ops: ("munmap" | "mprotect")[];
  policies: Policy[];
}

export interface ShootdownPoint {
  threads: number;
  size: number;
  op: "munmap" | "mprotect";
  policy: Policy;
}

const POLICY_COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#98df8a",
  "#17becf",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
];

/** The kernel with the process: its mm run and the buffer touched on harts 0..threads-1. */
function setUp(p: ShootdownParams, q: ShootdownPoint): { k: Kernel; t: task_struct; buf: bigint } {
  const m = new Machine({ mem: q.size + 192 * MiB, harts: MACHINE_HARTS, tlb: p.tlb, console: () => {} });
  const k = bootKernel(m, "kasan=off transparent_hugepage=never");
  const io = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };
  // The process image: a loop (it never runs; the experiment plays its threads).
  const t = k.sched.spawn({ elf: idleElf(), path: "/shootdown", argv: ["shootdown"], envp: [], io });
  const buf = t.mm.do_mmap(0n, BigInt(q.size), 3, 0x22);
  if (buf < 0n) throw new Error(`shootdown: mmap of ${q.size} bytes failed (${buf})`);
  const pages = q.size / PAGE;
  const stride = Math.max(1, Math.floor(pages / MAX_TOUCHES));
  for (let cpu = 0; cpu < q.threads; cpu++) {
    k.sched.switch_mm(m.harts[cpu]!, t);
    k.onCpu(cpu, () => {
      for (let i = 0; i < pages; i += stride) t.uaccess.put_u64(buf + BigInt(i * PAGE), BigInt(i));
    });
  }
  return { k, t, buf };
}

/** A static ELF whose entry is `j .` (0x0000006f): the process's image. */
function idleElf(): Uint8Array {
  return writeElf({
    entry: 0x10000n,
    segments: [{ vaddr: 0x10000n, data: new Uint8Array([0x6f, 0, 0, 0]), memsz: 4, flags: 5 }],
    symbols: [],
  });
}

function shootdownPoint(p: ShootdownParams, q: ShootdownPoint): Row {
  const { k, t, buf } = setUp(p, q);
  const flush = k.flush;
  flush.policy.allHarts = q.policy === "all-harts";
  flush.policy.threshold =
    q.policy === "ceiling-0"
      ? 0
      : q.policy === "ceiling-16"
        ? 16
        : q.policy === "ceiling-512"
          ? 512
          : q.policy === "per-page"
            ? Number.POSITIVE_INFINITY
            : 64;
  const pieces = q.policy === "split-8" || q.policy === "batch-8" ? PIECES : 1;
  const s = flush.stats[q.op];
  const before = { ...s };
  const clocks0 = [...k.machine.clocks];
  const piece = BigInt(q.size / pieces);
  k.onCpu(0, () => {
    if (q.policy === "batch-8") flush.beginBatch();
    for (let i = 0; i < pieces; i++) {
      const a = buf + BigInt(i) * piece;
      const r = q.op === "munmap" ? t.mm.do_munmap(a, piece) : t.mm.do_mprotect(a, piece, 1);
      if (r < 0n) throw new Error(`shootdown: ${q.op} failed (${r})`);
    }
    if (q.policy === "batch-8") flush.endBatch();
  });
  const d = (key: keyof typeof s): number => s[key] - before[key];
  const clocks = k.machine.clocks.map((c, i) => c - (clocks0[i] ?? 0));
  return {
    tlb: p.tlb.name,
    threads: q.threads,
    size: q.size,
    pages: q.size / PAGE,
    op: q.op,
    policy: q.policy,
    calls: pieces,
    shootdowns: d("shootdowns"),
    ipis_sent: d("ipis_sent"),
    ipis_received: d("ipis_received"),
    fences: d("fences"),
    entries_dropped: d("entries_dropped"),
    flush_cycles: d("sender_cycles"),
    receiver_cycles: d("receiver_cycles"),
    kernel_us: clocks[0]! / 1000,
    interrupted_us: clocks.slice(1).reduce((a, b) => a + b, 0) / 1000,
  };
}

const sizeLabel = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`);

/** The x axis of both figures: the size of the range unmapped or protected, on a log scale. */
const RANGE_AXIS = {
  field: "size",
  type: "quantitative" as const,
  title: "range (bytes, log scale)",
  scale: { type: "log" },
  axis: { format: "~s" },
};

/** One counter against the range size, a line per policy, for the most threads. */
function panel(rows: Row[], p: ShootdownParams, field: string, title: string, ytitle: string, log = true) {
  return {
    width: 260,
    height: 230,
    title,
    data: { values: rows },
    transform: [{ filter: `datum.${field} > 0` }],
    mark: { type: "line" as const, point: true },
    encoding: {
      x: RANGE_AXIS,
      y: { field, type: "quantitative" as const, title: ytitle, scale: log ? { type: "log" } : {} },
      color: {
        field: "policy",
        type: "nominal" as const,
        title: "policy",
        scale: { domain: p.policies, range: POLICY_COLORS.slice(0, p.policies.length) },
      },
    },
  };
}

function shootdownPlots(rows: Row[], p: ShootdownParams): PlotSpec[] {
  const most = Math.max(...p.threads);
  const op = p.ops[0]!;
  const sel = rows.filter((r) => r.threads === most && r.op === op);
  const byThreads = rows.filter((r) => r.op === op && r.policy === "linux");
  const subtitle = `${op} of the whole buffer by the thread on hart 0, ${most} threads on ${most} of ${MACHINE_HARTS} harts, ${p.tlb.name} TLB`;
  return [
    figure("", `TLB shootdowns: ${op}, policies compared`, subtitle, {
      hconcat: [
        panel(sel, p, "ipis_sent", "IPIs sent per call", "IPIs"),
        panel(sel, p, "fences", "sfence.vma on all harts", "fences"),
        panel(sel, p, "kernel_us", "Caller's kernel time (cost model)", "microseconds"),
      ],
    }),
    figure("threads", `TLB shootdowns: ${op} under Linux's policy, by threads`, `${p.tlb.name} TLB`, {
      width: 320,
      height: 240,
      data: { values: byThreads },
      transform: [{ calculate: "'' + datum.threads", as: "thread_count" }],
      mark: { type: "line" as const, point: true },
      encoding: {
        x: RANGE_AXIS,
        y: {
          field: "interrupted_us",
          type: "quantitative" as const,
          title: "time taken from the other harts (us)",
        },
        color: { field: "thread_count", type: "nominal" as const, title: "threads" },
      },
    }),
  ];
}

function shootdownTables(rows: Row[]): string[][][] {
  const head = ["op", "threads", "range", "policy", "IPIs", "fences", "dropped", "kernel us", "others us"];
  const out = [head];
  for (const r of rows)
    out.push([
      String(r.op),
      fmt(r.threads),
      sizeLabel(r.size as number),
      String(r.policy),
      fmt(r.ipis_sent),
      fmt(r.fences),
      fmt(r.entries_dropped),
      fmt(r.kernel_us, 2),
      fmt(r.interrupted_us, 2),
    ]);
  return [out];
}

function shootdownNotes(rows: Row[], p: ShootdownParams): string[] {
  const notes: string[] = [];
  const most = Math.max(...p.threads);
  const least = Math.min(...p.threads);
  const at = (threads: number, policy: Policy, size: number, op: string): Row | undefined =>
    rows.find((r) => r.threads === threads && r.policy === policy && r.size === size && r.op === op);
  const big = Math.max(...p.sizes);
  const small = Math.min(...p.sizes);
  for (const op of p.ops) {
    const lin = at(least, "linux", small, op);
    const all = at(least, "all-harts", small, op);
    if (lin && all)
      notes.push(
        `${op} of ${sizeLabel(small)} with ${least} thread(s): ${fmt(lin.ipis_sent)} IPIs to mm_cpumask vs ` +
          `${fmt(all.ipis_sent)} to every hart; caller ${fmt(lin.kernel_us, 2)} vs ${fmt(all.kernel_us, 2)} us`,
      );
    const pp = at(most, "per-page", big, op);
    const l2 = at(most, "linux", big, op);
    if (pp && l2)
      notes.push(
        `${op} of ${sizeLabel(big)} with ${most} threads: ${fmt(pp.fences)} fences page by page vs ` +
          `${fmt(l2.fences)} with Linux's ceiling of 64 pages (caller ${fmt(pp.kernel_us, 1)} vs ${fmt(l2.kernel_us, 1)} us)`,
      );
    const sp = at(most, "split-8", big, op);
    const bt = at(most, "batch-8", big, op);
    if (sp && bt)
      notes.push(
        `${op} of ${sizeLabel(big)} as 8 calls, ${most} threads: ${fmt(sp.shootdowns)} shootdowns and ` +
          `${fmt(sp.ipis_sent)} IPIs, batched ${fmt(bt.shootdowns)} and ${fmt(bt.ipis_sent)}`,
      );
  }
  return notes;
}

export const shootdownExperiment = defineExperiment<ShootdownParams, ShootdownPoint>({
  name: "shootdown",
  summary:
    "munmap/mprotect of 1 page to 64 MiB with threads on 1-8 harts: IPIs, fences, entries dropped per policy",
  description: `Boots the kernel on 8 harts (kasan=off, transparent_hugepage=never) with a process
whose threads run on 1, 2, 4 or 8 of them: each of those harts switches to the process's mm and
touches a shared buffer (every page, or every stride-th page past ${MAX_TOUCHES}), then the thread
on hart 0 munmaps or mprotects (read-only) the whole buffer, 4 KiB to 64 MiB. Per call: shootdowns,
IPIs sent and received, sfence.vma on all harts, TLB entries dropped, the caller's kernel time and
the time taken from the interrupted harts (cost model, 1 GHz). Policies: ${POLICIES.map((x) => `${x} (${POLICY_TEXT[x]})`).join("; ")}.`,
  uses: ["tlb"],
  columns: [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "threads", description: "threads, each on its own hart (the harts in mm_cpumask)" },
    { key: "size", description: "bytes unmapped or mprotected" },
    { key: "pages", description: "4 KiB pages in the range" },
    { key: "op", description: "munmap or mprotect (read-only)", kind: "string" },
    { key: "policy", description: "flush policy (see the description)", kind: "string" },
    { key: "calls", description: "system calls made for the range (8 for split-8 and batch-8)" },
    { key: "shootdowns", description: "flushes that reached other harts" },
    { key: "ipis_sent", description: "IPIs the caller sent" },
    { key: "ipis_received", description: "IPIs the other harts handled" },
    { key: "fences", description: "sfence.vma executed on all harts (a page, or a whole ASID)" },
    { key: "entries_dropped", description: "TLB entries those fences dropped, all harts" },
    {
      key: "flush_cycles",
      description: "cycles the flush cost the caller (IPIs sent, the wait, its fences)",
    },
    { key: "receiver_cycles", description: "cycles the flush cost the interrupted harts together" },
    {
      key: "kernel_us",
      description: "the caller's kernel time for the whole range, cost model, microseconds",
    },
    { key: "interrupted_us", description: "time taken from the other harts, cost model, microseconds" },
  ],
  paramsShape: {
    tlb: "tlb",
    threads: ["number"],
    sizes: ["number"],
    ops: ["string"],
    policies: ["string"],
  },
  plan(opts) {
    const params: ShootdownParams = {
      tlb: opts.tlb,
      threads: opts.test ? [1, 4] : opts.quick ? [1, 2, 8] : [1, 2, 4, 8],
      sizes: opts.test
        ? [PAGE, MiB]
        : opts.quick
          ? [PAGE, 16 * PAGE, 256 * PAGE, 4 * MiB]
          : [PAGE, 4 * PAGE, 16 * PAGE, 64 * PAGE, 256 * PAGE, 4 * MiB, 16 * MiB, 64 * MiB],
      ops: opts.test ? ["munmap"] : ["munmap", "mprotect"],
      policies: [...POLICIES],
    };
    const points: ShootdownPoint[] = [];
    for (const op of params.ops)
      for (const threads of params.threads)
        for (const size of params.sizes)
          for (const policy of params.policies) {
            if ((policy === "split-8" || policy === "batch-8") && size < PIECES * PAGE) continue;
            points.push({ threads, size, op, policy });
          }
    return { params, points };
  },
  runPoint: (params, point) => [shootdownPoint(params, point)],
  plots: shootdownPlots,
  tables: (rows) => shootdownTables(rows),
  notes: shootdownNotes,
});
