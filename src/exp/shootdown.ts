// shootdown: user TLB shootdowns under the mini-kernel, with a real guest. guests/shootdown.c
// (static glibc, pthreads) runs on a machine of 8 harts with N threads (1, 2, 4 or 8), each
// pinned to its own hart by sched_setaffinity: the threads touch a shared anonymous buffer,
// then the main thread (hart 0) munmaps it or mprotects it read-only, 1 page to 64 MiB, while
// the others wait on their harts (their TLBs keep the buffer's entries). The experiment
// watches the kernel's sys_enter / sys_exit tracepoints: for the calls on the buffer it takes
// the flush counters (shootdowns, IPIs sent and received, sfence.vma on all harts, TLB entries
// dropped) and the cycles the cost model charged the caller's hart for the call and the other
// harts meanwhile. Policies are kernel settings (tlbflush.all_harts, tlbflush.threshold) or the
// guest's shape of the calls: Linux's (IPIs to mm_cpumask, a fence per page up to
// tlb_flush_all_threshold = 64 pages, then one whole-ASID flush), IPIs to every hart, other
// ceilings (0: always the whole ASID; none: always per page), and the buffer as 8 mappings
// changed by 8 calls (a shootdown each) or by one call over all 8 (their flushes gathered into
// one shootdown, as mmu_gather gathers a call's unmaps).

import { Machine } from "../cpu/index.js";
import {
  bootKernel,
  type FlushStats,
  type Kernel,
  type SyscallEvent,
  type SyscallExit,
  zeroFlushStats,
} from "../kernel/index.js";
import type { TlbConfig } from "../mmu/index.js";
import { shippedGuest } from "../session/index.js";
import { figure, MiB } from "./plot.js";
import { fmt } from "./report.js";
import { defineExperiment, type PlotSpec, type Row } from "./types.js";

/** The machine's harts: the all-harts policy interrupts all of them. */
const MACHINE_HARTS = 8;
const PAGE = 4096;
/** At most this many pages read per thread (every stride-th page of a larger buffer): more
 *  than any preset's TLB holds (MAX_TOUCHES in guests/shootdown.c). */
const MAX_TOUCHES = 4096;
/** The split and batch policies: the buffer as this many mappings (PIECES in the guest). */
const PIECES = 8;
/** Where the guest maps its buffer (BUF in guests/shootdown.c). */
const BUF = 0x40_0000_0000n;
const SYS_MUNMAP = 215;
const SYS_MPROTECT = 226;
/** Instructions the guest may take (all harts): far more than a 64 MiB run needs. */
const MAX_INSNS = 2_000_000_000;

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
  "all-harts": "IPIs to every hart of the machine (tlbflush.all_harts=1)",
  "ceiling-0": "always one whole-ASID flush (tlbflush.threshold=0)",
  "ceiling-16": "per-page fences up to 16 pages (tlbflush.threshold=16)",
  "ceiling-512": "per-page fences up to 512 pages (tlbflush.threshold=512)",
  "per-page": "always a fence per page (tlbflush.threshold=none)",
  "split-8": "the buffer as 8 mappings, changed by 8 calls: a shootdown each",
  "batch-8": "the same 8 mappings changed by one call: one gathered shootdown",
};

/** Each policy's kernel command line and the guest's MODE argument. */
const POLICY_RUN: Record<Policy, { cmdline: string; mode: "whole" | "split" | "batch" }> = {
  linux: { cmdline: "", mode: "whole" },
  "all-harts": { cmdline: "tlbflush.all_harts=1", mode: "whole" },
  "ceiling-0": { cmdline: "tlbflush.threshold=0", mode: "whole" },
  "ceiling-16": { cmdline: "tlbflush.threshold=16", mode: "whole" },
  "ceiling-512": { cmdline: "tlbflush.threshold=512", mode: "whole" },
  "per-page": { cmdline: "tlbflush.threshold=none", mode: "whole" },
  "split-8": { cmdline: "", mode: "split" },
  "batch-8": { cmdline: "", mode: "batch" },
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

/** What the measured calls added up to. */
interface Measured {
  calls: number;
  flush: FlushStats;
  /** Cycles charged to the caller's hart in the calls (the syscall's own accounting). */
  kernelCycles: number;
  /** Cycles charged to the other harts while the calls ran (IPIs taken, their fences). */
  otherCycles: number;
}

/** Attach to the kernel's sys_enter / sys_exit: the munmap or mprotect calls of thread `tid`
 *  that start inside the buffer are measured, their flush counters (of reason `op`) and
 *  cycles summed into the result. */
function watchCalls(k: Kernel, op: "munmap" | "mprotect", size: number, tid: () => number): Measured {
  const nr = op === "munmap" ? SYS_MUNMAP : SYS_MPROTECT;
  const got: Measured = { calls: 0, flush: zeroFlushStats(), kernelCycles: 0, otherCycles: 0 };
  const stats = k.flush.stats[op];
  let before: { flush: FlushStats; clocks: number[] } | null = null;
  const mine = (ev: SyscallEvent): boolean =>
    ev.nr === nr && ev.tid === tid() && ev.args[0]! >= BUF && ev.args[0]! < BUF + BigInt(size);
  k.tracepoints.sys_enter = (ev) => {
    if (mine(ev)) before = { flush: { ...stats }, clocks: [...k.machine.clocks] };
  };
  k.tracepoints.sys_exit = (ev: SyscallExit) => {
    if (!mine(ev) || !before) return;
    if (ev.ret !== 0n) throw new Error(`shootdown: the guest's ${op} failed (${ev.ret})`);
    got.calls++;
    for (const key of Object.keys(stats) as (keyof FlushStats)[])
      got.flush[key] += stats[key] - before.flush[key];
    got.kernelCycles += ev.cycles;
    const b = before.clocks;
    k.machine.clocks.forEach((c, cpu) => {
      if (cpu !== k.cpu) got.otherCycles += c - (b[cpu] ?? 0);
    });
    before = null;
  };
  return got;
}

/** Boot the kernel with the policy's settings and run the guest to its end; the measured calls. */
function runGuest(p: ShootdownParams, q: ShootdownPoint): Measured {
  const run = POLICY_RUN[q.policy];
  const m = new Machine({ mem: q.size + 192 * MiB, harts: MACHINE_HARTS, tlb: p.tlb, console: () => {} });
  const k = bootKernel(m, `kasan=off transparent_hugepage=never ${run.cmdline}`.trim());
  const out: string[] = [];
  const err: string[] = [];
  const dec = new TextDecoder();
  const io = {
    stdin: () => new Uint8Array(0),
    write: (fd: 1 | 2, data: Uint8Array) => {
      (fd === 1 ? out : err).push(dec.decode(data));
    },
    isatty: () => false,
  };
  const argv = ["shootdown", q.op, run.mode, String(q.threads), String(q.size)];
  let pid = 0;
  const got = watchCalls(k, q.op, q.size, () => pid);
  const t = k.sched.spawn({
    elf: shippedGuest("shootdown.glibc.elf"),
    path: "/shootdown",
    argv,
    envp: [],
    io,
  });
  pid = t.pid;
  const end = k.sched.run(MAX_INSNS);
  const want = `shootdown ${argv.slice(1).join(" ")}: ok\n`;
  if (end !== "done" || t.exitCode !== 0 || out.join("") !== want || err.length)
    throw new Error(
      `shootdown: the guest (${argv.join(" ")}) ended ${end} with status ${t.exitCode}: ${[...out, ...err].join("").trim()}`,
    );
  const harts = (1 << q.threads) - 1;
  if (k.sched.ranOn !== harts)
    throw new Error(
      `shootdown: the guest ran on harts 0x${k.sched.ranOn.toString(16)}, not 0x${harts.toString(16)}`,
    );
  const calls = run.mode === "split" ? PIECES : 1;
  if (got.calls !== calls)
    throw new Error(`shootdown: ${got.calls} ${q.op} calls on the buffer seen, ${calls} expected`);
  return got;
}

function shootdownPoint(p: ShootdownParams, q: ShootdownPoint): Row {
  const got = runGuest(p, q);
  const f = got.flush;
  return {
    tlb: p.tlb.name,
    threads: q.threads,
    size: q.size,
    pages: q.size / PAGE,
    op: q.op,
    policy: q.policy,
    calls: got.calls,
    shootdowns: f.shootdowns,
    ipis_sent: f.ipis_sent,
    ipis_received: f.ipis_received,
    fences: f.fences,
    entries_dropped: f.entries_dropped,
    flush_cycles: f.sender_cycles,
    receiver_cycles: f.receiver_cycles,
    kernel_us: got.kernelCycles / 1000,
    interrupted_us: got.otherCycles / 1000,
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
  description: `Runs guests/shootdown.c (static glibc, pthreads) under the kernel on 8 harts
(kasan=off, transparent_hugepage=never) with 1, 2, 4 or 8 threads, each pinned to its own hart
with sched_setaffinity: every thread reads the buffer (every page, or every stride-th page past
${MAX_TOUCHES}) twice, then the main thread on hart 0 munmaps or mprotects (read-only) the whole
buffer, 4 KiB to 64 MiB, while the others wait in a barrier on their harts. The kernel's sys_enter
/ sys_exit tracepoints pick out the calls on the buffer; per point, summed over them: shootdowns,
IPIs sent and received, sfence.vma on all harts, TLB entries dropped, the cycles the cost model
(1 GHz) charged the caller's hart for the calls and the other harts meanwhile. Policies: ${POLICIES.map((x) => `${x} (${POLICY_TEXT[x]})`).join("; ")}.`,
  uses: ["tlb"],
  columns: [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "threads", description: "threads, each on its own hart (the harts in mm_cpumask)" },
    { key: "size", description: "bytes unmapped or mprotected" },
    { key: "pages", description: "4 KiB pages in the range" },
    { key: "op", description: "munmap or mprotect (read-only)", kind: "string" },
    { key: "policy", description: "flush policy (see the description)", kind: "string" },
    { key: "calls", description: "system calls the guest made on the buffer (8 for split-8)" },
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
      description:
        "cycles the caller's hart spent in those calls (syscall accounting, cost model), microseconds",
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
