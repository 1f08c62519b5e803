// Booting the mini-kernel for a command (run in kernel mode, boot, console): the machine from the
// shared options, the kernel log printed live (all of it, or only what a user running a program
// needs to see), the kernel's counters for --stats, oopses printed as the kernel prints them,
// and the test_vmalloc progress line.

import type { Machine } from "../cpu/index.js";
import { bootKernel, formatLine, type Kernel, KernelOops } from "../kernel/index.js";
import { commandLabel, InputError, type Parsed, UsageError, usageError } from "./args.js";
import { err } from "./io.js";
import { type MachineConfig, machineConfig, newMachine, startTlbTrace } from "./machine-config.js";
import { type KernelStats, printStats, StatsCollector } from "./stats.js";
import type { TlbTracer } from "./tlb-trace.js";

/** One line of the kernel log. */
export type LogLine = Kernel["printk"]["lines"][number];

const LEVELS = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

/** Is `line` at `level` or more severe? */
export function atLeast(line: LogLine, level: LogLine["level"]): boolean {
  return LEVELS.indexOf(line.level) <= LEVELS.indexOf(level);
}

/** A line the kernel logs about a task ("prog[1]: segfault at ..."). */
export const TASK_LINE = /^[^\s[\]]+\[\d+\]: /;

/** The machine configuration of a command that boots the kernel and takes no arguments (boot,
 *  console). */
export function kernelCommandConfig(p: Parsed, command: string): MachineConfig {
  if (p.positionals.length) throw usageError(command, `unexpected argument '${p.positionals[0]}'`);
  const cfg = machineConfig(p, command);
  checkKernelSatp(cfg, command);
  return cfg;
}

/** Refuse --satp other than sv48: the kernel builds Sv48 page tables. */
export function checkKernelSatp(cfg: MachineConfig, command: string): void {
  if (cfg.satp && cfg.satp.name !== "sv48") {
    throw new UsageError(
      `${commandLabel(command)}: not supported: --satp ${cfg.satp.name} with the kernel (the kernel uses Sv48)`,
    );
  }
}

export interface BootedKernel {
  machine: Machine;
  k: Kernel;
  stats: StatsCollector | null;
  tracer: TlbTracer | null;
  /** Lines at warning level or worse logged while the command line was applied (bad values). */
  bootWarnings: LogLine[];
}

/**
 * Build the machine and boot the kernel with `cmdline`. Every log line, from the first, goes to
 * `show` when `filter` accepts it (the boot's own lines are replayed as soon as bootKernel()
 * returns, then the sink prints them live).
 */
export function bootFor(
  cfg: MachineConfig,
  cmdline: string,
  show: (text: string) => void,
  filter: (line: LogLine) => boolean,
): BootedKernel {
  const machine = newMachine(cfg);
  const stats = cfg.stats === "off" ? null : new StatsCollector(machine);
  const tracer = startTlbTrace(machine, cfg);
  const boot = (): Kernel => bootKernel(machine, cmdline);
  const k = stats ? stats.time(boot) : boot();
  for (const l of k.printk.lines) if (filter(l)) show(formatLine(l));
  const bootWarnings = k.printk.lines.filter((l) => atLeast(l, "warning"));
  k.printk.sink = (text) => {
    const l = k.printk.lines[k.printk.lines.length - 1];
    if (!l || filter(l)) show(text);
  };
  return { machine, k, stats, tracer, bootWarnings };
}

/** Log an oops's lines as the kernel does (they then print like any log line). */
export function logOops(k: Kernel, e: KernelOops): void {
  for (const line of e.lines) k.printk.log("alert", line);
}

/** Is this oops a panic (the kernel cannot go on)? */
export function isPanic(e: KernelOops): boolean {
  return e.lines.some((l) => l.startsWith("Kernel panic"));
}

export { KernelOops };

/** --stats at the end of a kernel command: the machine's report with the kernel's counters. */
export function printKernelStats(
  s: BootedKernel,
  cfg: MachineConfig,
  exitCode: number,
  reason: string,
): void {
  if (s.stats && cfg.stats !== "off") {
    printStats({ ...s.stats.report({ exitCode, reason }), kernel: kernelStats(s.k) }, cfg.stats);
  }
}

/** The kernel's counters for --stats and the console's `stats`. */
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
    kasan_reports: k.kasan?.reports ?? 0,
    warnings: k.printk.warnings,
    context_switches: k.sched.contextSwitches,
    ticks: k.sched.ticks,
  };
}

/**
 * A progress line on stderr while test_vmalloc runs (only when stderr is a terminal): the worker,
 * the test case and its loop, and the time so far, redrawn at most every 200 ms, from
 * test_vmalloc's progress hook. Returns `clear` (erase the line before other output) and `stop`.
 */
export function testVmallocProgress(k: Kernel): { clear: () => void; stop: () => void } {
  const none = { clear: () => {}, stop: () => {} };
  if (!process.stderr.isTTY) return none;
  const start = performance.now();
  let last = 0;
  let shown = false;
  const clear = (): void => {
    if (shown) err("\r\x1b[K");
    shown = false;
  };
  k.testVmalloc.onProgress = (worker, test, loop, loops) => {
    const now = performance.now();
    if (now - last < 200) return;
    last = now;
    const pct = loops > 0 ? ` ${((100 * loop) / loops).toFixed(0)}%` : "";
    err(`\r\x1b[Ktest_vmalloc: worker ${worker}: ${test}${pct} (${((now - start) / 1000).toFixed(1)} s)`);
    shown = true;
  };
  return {
    clear,
    stop: () => {
      k.testVmalloc.onProgress = null;
      clear();
    },
  };
}

export const APPEND_OPTION = {
  name: "append",
  kind: "value",
  valueName: "CMDLINE",
  help: "the kernel command line: 'test_vmalloc.run_test_mask=4096 kasan.fault=panic'...",
} as const;

/** Boot for a console-like command: the log to stdout, live; a failed boot is a one-line error. */
export function bootConsoleKernel(
  cfg: MachineConfig,
  append: string,
  show: (text: string) => void,
): BootedKernel {
  try {
    return bootFor(cfg, append, show, () => true);
  } catch (e) {
    if (e instanceof KernelOops || (e instanceof Error && /^boot:/.test(e.message))) {
      throw new InputError(`the kernel did not boot: ${e.message}`);
    }
    throw e;
  }
}
