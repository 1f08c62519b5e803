// The machine's counters, as `--stats` reports them and `mmlab exp sweep` records them: per hart
// and in total, instructions retired, cycles, the wall time spent interpreting, MIPS, and the
// traps taken by cause; the modelled TLBs' counters as perf events (perf.ts); under the kernel,
// the kernel's counters. Wall time per
// hart is measured around each interpreter chunk in bare mode (harts are interleaved in one
// thread; the kernel's scheduler runs harts itself, so there only the total is measured); the
// total is the wall time of the whole run, scheduling included.

import {
  causeName,
  type Hart,
  type Interpreter,
  interpreter,
  type Machine,
  type RunResult,
  run,
} from "../cpu/index.js";
import type { JitStats } from "../cpu/jit/index.js";
import type { FlushReason, FlushStats, Kernel } from "../kernel/index.js";
import { monotonicMs } from "./clock.js";
import { machineJitStats } from "./machine.js";
import { type TlbReport, tlbReport } from "./perf.js";

/** Traps of one cause. */
export interface TrapCount {
  interrupt: boolean;
  cause: number;
  name: string;
  count: number;
}

export interface HartStats {
  hart: number;
  instret: number;
  /** One per instruction retired (the cycle CSR). */
  cycles: number;
  /** The hart's clock, in cycles at 1 GHz: its instructions, the time it slept in wfi and, under
   *  the kernel, the kernel work the cost model charged to it (the time dmesg and clock_gettime
   *  see). */
  clock: number;
  /** Null when not measured per hart (under the kernel). */
  wallSeconds: number | null;
  mips: number | null;
  traps: TrapCount[];
}

/** The kernel's counters (boot, console, run in kernel mode). */
export interface KernelStats {
  /** /proc/vmstat, name by name. */
  vmstat: Record<string, number>;
  free_pages: number;
  page_table_pages: number;
  nr_vmalloc_pages: number;
  slab_pages: number;
  vmap_lazy_nr: number;
  vmap_purges: number;
  tlb_shootdowns: number;
  /** ASID generations rolled over (each makes every hart flush its TLB). */
  asid_rollovers: number;
  kasan_reports: number;
  warnings: number;
  context_switches: number;
  ticks: number;
  /** The TLB flushes by reason (munmap, mprotect, cow, ...): only the reasons that happened. */
  tlb_flush: Partial<Record<FlushReason, FlushStats>>;
}

/** The object `--stats=json` writes (one line of JSON on stderr). */
export interface StatsReport {
  exitCode: number;
  reason: string;
  instret: number;
  cycles: number;
  /** The harts' clocks summed (HartStats.clock). */
  clock: number;
  wallSeconds: number;
  mips: number;
  traps: TrapCount[];
  harts: HartStats[];
  machine: { harts: number; mem: number; tlb: string };
  tlb: TlbReport;
  kernel?: KernelStats;
  /** Translation to WebAssembly, when on (--jit): its counters (JitStats) and the share of
   *  instructions retired in translated code. Wall-time-like: translateMs differs run to run. */
  jit?: JitStats & { share: number };
}

/** Counts a machine's traps and times its interpreter chunks. Attach before the run. */
export class StatsCollector {
  private readonly trapCounts: Map<number, number>[];
  private readonly hartWall: Float64Array;
  private inner: Interpreter = interpreter;
  private startedAt = 0;
  private wallMs = 0;

  constructor(private readonly machine: Machine) {
    this.trapCounts = machine.harts.map(() => new Map());
    this.hartWall = new Float64Array(machine.harts.length);
    for (const h of machine.harts) {
      h.trapListeners.push((hart, cause, _tval, interrupt) => {
        const key = interrupt ? -1 - cause : cause;
        const m = this.trapCounts[hart.id]!;
        m.set(key, (m.get(key) ?? 0) + 1);
      });
    }
    machine.setInterpreter({
      bare: (h: Hart, budget: number) => this.timed(h, budget),
      paged: (h: Hart, budget: number) => this.timed(h, budget),
    });
  }

  private timed(h: Hart, budget: number): number {
    const t = monotonicMs();
    // run() picks the variant (paged or bare, with translation or not) as the machine would
    const n = run(h, budget, this.inner);
    this.hartWall[h.id]! += monotonicMs() - t;
    return n;
  }

  /** The interpreters the timed wrapper calls (the tracing ones, or back to the plain ones). */
  setInterpreter(interp: Interpreter): void {
    this.inner = interp;
  }

  /** Run the machine, timing the whole run. */
  run(maxInsns: number): RunResult {
    return this.time(() => this.machine.run(maxInsns));
  }

  /** Run `fn` (the kernel's scheduler, a boot), adding its wall time to the total. */
  time<T>(fn: () => T): T {
    this.startedAt = monotonicMs();
    try {
      return fn();
    } finally {
      this.wallMs += monotonicMs() - this.startedAt;
    }
  }

  report(result: RunResult): StatsReport {
    const measured = this.hartWall.some((t) => t > 0);
    const harts = this.machine.harts.map((h): HartStats => {
      const wallSeconds = measured ? this.hartWall[h.id]! / 1000 : null;
      return {
        hart: h.id,
        instret: h.instret,
        cycles: h.cycle,
        clock: this.machine.clocks[h.id] ?? 0,
        wallSeconds,
        mips: wallSeconds === null ? null : mips(h.instret, wallSeconds),
        traps: trapList(this.trapCounts[h.id]!),
      };
    });
    const total = new Map<number, number>();
    for (const m of this.trapCounts) for (const [k, v] of m) total.set(k, (total.get(k) ?? 0) + v);
    const instret = harts.reduce((s, h) => s + h.instret, 0);
    const wallSeconds = this.wallMs / 1000;
    return {
      exitCode: result.exitCode,
      reason: result.reason,
      instret,
      cycles: harts.reduce((s, h) => s + h.cycles, 0),
      clock: harts.reduce((s, h) => s + h.clock, 0),
      wallSeconds,
      mips: mips(instret, wallSeconds),
      traps: trapList(total),
      harts,
      machine: {
        harts: this.machine.harts.length,
        mem: this.machine.mem.size,
        tlb: this.machine.tlbConfig.name,
      },
      tlb: tlbReport(this.machine),
      ...jitSection(machineJitStats(this.machine), instret),
    };
  }
}

/** The report's `jit` member when the machine translates. */
function jitSection(s: JitStats | null, instret: number): { jit?: JitStats & { share: number } } {
  if (s === null) return {};
  return { jit: { ...s, share: instret > 0 ? s.executed / instret : 0 } };
}

function mips(instret: number, seconds: number): number {
  return seconds > 0 ? instret / seconds / 1e6 : 0;
}

function trapList(m: Map<number, number>): TrapCount[] {
  return [...m.entries()]
    .map(([key, count]) => {
      const interrupt = key < 0;
      const cause = interrupt ? -1 - key : key;
      return { interrupt, cause, name: causeName(cause, interrupt), count };
    })
    .sort((a, b) => Number(a.interrupt) - Number(b.interrupt) || a.cause - b.cause);
}

/** The kernel's counters for --stats, the console's `stats` and the sweep's vmstat columns. */
export function kernelStats(k: Kernel): KernelStats {
  const vmstat: Record<string, number> = {};
  for (const line of k.procfs("vmstat").split("\n")) {
    const [name, value] = line.split(" ");
    if (name && value !== undefined) vmstat[name] = Number(value);
  }
  return {
    vmstat,
    free_pages: k.pages.nr_free_pages(),
    page_table_pages: k.pgd.nrTablePages,
    nr_vmalloc_pages: k.vmalloc.nr_vmalloc_pages,
    slab_pages: k.slab.nr_slab_pages(),
    vmap_lazy_nr: k.vmalloc.vmap_lazy_nr,
    vmap_purges: k.vmalloc.purges,
    tlb_shootdowns: k.flush.shootdowns,
    asid_rollovers: k.sched.asids.rollovers,
    kasan_reports: k.kasan?.reports ?? 0,
    warnings: k.printk.warnings,
    context_switches: k.sched.contextSwitches,
    ticks: k.sched.ticks,
    tlb_flush: Object.fromEntries(
      Object.entries(k.flush.stats)
        .filter(([, f]) => f.flushes > 0)
        .map(([r, f]) => [r, { ...f }]),
    ),
  };
}
