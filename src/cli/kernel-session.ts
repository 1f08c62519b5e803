// Booting the mini-kernel for a command (boot, console; `run` goes through src/session's
// runUnderKernel): the machine from the shared options with its `--trace tlb` tracer, the kernel
// log printed live, the kernel's counters for --stats, and the test_vmalloc progress line.

import { KERNEL_MIN_RAM, type Kernel, KernelOops } from "../kernel/index.js";
import {
  bootSession,
  kernelStats,
  type LogLine,
  type BootedKernel as SessionKernel,
} from "../session/index.js";
import { commandLabel, InputError, type Parsed, UsageError, usageError } from "./args.js";
import { err, isTerminal } from "./io.js";
import { type MachineConfig, machineConfig, startTlbTrace } from "./machine-config.js";
import { printStats } from "./stats.js";
import type { TlbTracer } from "./tlb-trace.js";

/** The machine configuration of a command that boots the kernel and takes no arguments (boot,
 *  console). */
export function kernelCommandConfig(p: Parsed, command: string): MachineConfig {
  if (p.positionals.length) throw usageError(command, `unexpected argument '${p.positionals[0]}'`);
  const cfg = machineConfig(p, command);
  checkKernelSatp(cfg, command);
  checkKernelMem(cfg.mem, command);
  return cfg;
}

/** Refuse --mem below what the kernel needs (KERNEL_MIN_RAM), naming the minimum. */
export function checkKernelMem(mem: number, command: string): void {
  if (mem < KERNEL_MIN_RAM) {
    throw usageError(
      command,
      `bad value '${mem >> 10}K' for '--mem': the kernel needs at least ${KERNEL_MIN_RAM >> 20}M of RAM (64K is enough for --bare)`,
    );
  }
}

/** Refuse --satp other than sv48: the kernel builds Sv48 page tables. */
export function checkKernelSatp(cfg: MachineConfig, command: string): void {
  if (cfg.satp && cfg.satp.name !== "sv48") {
    throw new UsageError(
      `${commandLabel(command)}: not supported: --satp ${cfg.satp.name} with the kernel (the kernel uses Sv48)`,
    );
  }
}

/** A booted kernel and the command's `--trace tlb` tracer. */
export interface BootedKernel extends SessionKernel {
  tracer: TlbTracer | null;
}

/** Build the machine (with its `--trace tlb` tracer) and boot the kernel with `cmdline`; the
 *  log lines `filter` accepts go to `show`, from the first. */
export function bootFor(
  cfg: MachineConfig,
  cmdline: string,
  show: (text: string) => void,
  filter: (line: LogLine) => boolean,
): BootedKernel {
  let tracer: TlbTracer | null = null;
  const session = bootSession(cfg, {
    cmdline,
    stats: cfg.stats !== "off",
    show,
    filter,
    onMachine: (m) => {
      tracer = startTlbTrace(m, cfg);
    },
  });
  return { ...session, tracer };
}

export { isPanic, kernelStats, type LogLine, logOops } from "../session/index.js";
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

/** Where the test_vmalloc progress goes: stderr, a terminal or not, and the host's clock. */
export interface ProgressSink {
  tty: boolean;
  write: (text: string) => void;
  now: () => number;
}

/** Seconds between two progress lines when stderr is not a terminal (a log, a pipe, CI): the
 *  first comes after as long, so a short run prints none. */
export const PROGRESS_LOG_SECONDS = 15;

/**
 * The test_vmalloc progress on stderr, from test_vmalloc's progress hook: the worker, the test
 * case and its loop, and the time so far. On a terminal, one line redrawn at most every 200 ms;
 * elsewhere a line of its own every PROGRESS_LOG_SECONDS. Returns `clear` (erase the terminal's
 * line before other output) and `stop`.
 */
export function testVmallocProgress(
  k: Kernel,
  sink: ProgressSink = { tty: isTerminal(2), write: err, now: () => performance.now() },
): { clear: () => void; stop: () => void } {
  const start = sink.now();
  const every = sink.tty ? 200 : PROGRESS_LOG_SECONDS * 1000;
  let last = sink.tty ? 0 : start;
  let shown = false;
  const clear = (): void => {
    if (shown) sink.write("\r\x1b[K");
    shown = false;
  };
  k.testVmalloc.onProgress = (worker, test, loop, loops) => {
    const now = sink.now();
    if (now - last < every) return;
    last = now;
    const pct = loops > 0 ? ` ${((100 * loop) / loops).toFixed(0)}%` : "";
    const text = `test_vmalloc: worker ${worker}: ${test}${pct} (${((now - start) / 1000).toFixed(1)} s)`;
    if (sink.tty) {
      sink.write(`\r\x1b[K${text}`);
      shown = true;
    } else {
      sink.write(`${commandLabel("boot")}: ${text}\n`);
    }
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
