// The mini-kernel on a machine: booting it with a command line, its log shown live (all of it,
// or what a user running a program needs to see), and a program run as its first process to
// the end. `mmlab run` (kernel mode), `boot`, `console` and each point of `mmlab exp sweep` go
// through here, so a sweep point is the run `mmlab run` would make.

import type { Machine } from "../cpu/index.js";
import {
  bootKernel,
  ExecError,
  formatLine,
  type HostFs,
  type Kernel,
  KernelOops,
  type Mount,
  MountError,
  type TaskIo,
  type task_struct,
} from "../kernel/index.js";
import { execLine, type MachineSpec, newMachine, ProgramError } from "./machine.js";
import { type KernelStats, kernelStats, StatsCollector, type StatsReport } from "./stats.js";

/** One line of the kernel log. */
export type LogLine = Kernel["printk"]["lines"][number];

const LEVELS = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

/** Is `line` at `level` or more severe? */
export function atLeast(line: LogLine, level: LogLine["level"]): boolean {
  return LEVELS.indexOf(line.level) <= LEVELS.indexOf(level);
}

/** A line the kernel logs about a task ("prog[1]: segfault at ..."). */
export const TASK_LINE = /^[^\s[\]]+\[\d+\]: /;

/** The environment a program gets when no --env is given. */
export const DEFAULT_ENV: readonly string[] = ["HOME=/", "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"];

export interface BootedKernel {
  machine: Machine;
  k: Kernel;
  stats: StatsCollector | null;
  /** Lines at warning level or worse logged while the command line was applied (bad values). */
  bootWarnings: LogLine[];
}

export interface BootOptions {
  /** The kernel command line. */
  cmdline: string;
  /** Collect the machine's counters (--stats, a sweep point). */
  stats: boolean;
  /** Where a shown log line goes (its text, without the newline). */
  show: (text: string) => void;
  /** Which lines are shown. */
  filter: (line: LogLine) => boolean;
  /** Called with the new machine before the kernel boots (tracers attach here). */
  onMachine?: (machine: Machine) => void;
  /** The UART's bytes (default: this process's stdout; the web page gives its terminal). */
  console?: (byte: number) => void;
}

/**
 * Build the machine and boot the kernel. Every log line, from the first, goes to `show` when
 * `filter` accepts it (the boot's own lines are replayed as soon as bootKernel() returns, then
 * the sink prints them live).
 */
export function bootSession(spec: MachineSpec, opts: BootOptions): BootedKernel {
  const machine = opts.console ? newMachine(spec, opts.console) : newMachine(spec);
  const stats = opts.stats ? new StatsCollector(machine) : null;
  opts.onMachine?.(machine);
  const boot = (): Kernel => bootKernel(machine, opts.cmdline);
  const k = stats ? stats.time(boot) : boot();
  for (const l of k.printk.lines) if (opts.filter(l)) opts.show(formatLine(l));
  const bootWarnings = k.printk.lines.filter((l) => atLeast(l, "warning"));
  k.printk.sink = (text) => {
    const l = k.printk.lines[k.printk.lines.length - 1];
    if (!l || opts.filter(l)) opts.show(text);
  };
  return { machine, k, stats, bootWarnings };
}

/** Log an oops's lines as the kernel does (they then print like any log line). */
export function logOops(k: Kernel, e: KernelOops): void {
  for (const line of e.lines) k.printk.log("alert", line);
}

/** Is this oops a panic (the kernel cannot go on)? */
export function isPanic(e: KernelOops): boolean {
  return e.lines.some((l) => l.startsWith("Kernel panic"));
}

/** A program to run under the kernel, as `mmlab run` takes it. */
export interface KernelProgram {
  /** The executable's bytes (readKernelProgram). */
  elf: Uint8Array;
  /** The path as typed: argv[0] and the name in messages. */
  path: string;
  args: readonly string[];
  env: readonly string[];
  mounts: readonly Mount[];
  /** Seed of getrandom() and AT_RANDOM (the scheduler's default when undefined). */
  seed: number | undefined;
  /** The kernel command line. */
  append: string;
}

/** Where a program run's output goes, and what else it is asked for. */
export interface KernelRunHooks {
  /** The program's standard files. */
  io: TaskIo;
  /** A kernel log line to show (its text, without the newline). */
  log: (text: string) => void;
  /** Show the whole log (--dmesg); otherwise the lines about the program and notice or worse. */
  dmesg: boolean;
  /** mmlab's own line about the run ("mmlab: prog: not an ELF file"), without the newline. */
  message: (text: string) => void;
  /** No line saying the run stopped at the instruction budget (--quiet). */
  quiet?: boolean;
  /** Collect the machine's counters. */
  stats: boolean;
  /** strace-style lines (--strace). */
  strace?: (line: string) => void;
  /** Called when a task exits, before its memory is freed (--smaps). */
  onExit?: (t: task_struct) => void;
  /** Called with the new machine before the kernel boots. */
  onMachine?: (machine: Machine) => void;
  /** Called after the boot, before the program starts; what it returns is called at the end. */
  onBoot?: (s: BootedKernel) => (() => void) | undefined;
  /** The host's files that the program's mounts reach (nodeHostFs() under Node); without it,
   *  a mount is refused. */
  hostFs?: HostFs;
}

/** How a program run ended: mmlab's exit status, the reason --stats reports, and the counters
 *  (null without `stats`, or when nothing ran: status 126). */
export interface KernelRunResult {
  status: number;
  reason: string;
  report: (StatsReport & { kernel: KernelStats }) | null;
  /** The kernel's counters just before the program was started (null when it did not start,
   *  or without `stats`). */
  kernelAtStart: KernelStats | null;
}

/** A program booted and spawned as the kernel's first task, not run yet (`mmlab run --gdb`
 *  runs it under the debugger). */
export interface KernelStart {
  session: BootedKernel;
  task: task_struct;
  /** What hooks.onBoot returned: call it at the end. */
  done: (() => void) | undefined;
  /** The kernel's counters just before the program started (null without hooks.stats: taking
   *  them renders /proc/vmstat, about 1% of a hello world's run, for the sweeps' reports only). */
  kernelAtStart: KernelStats | null;
}

/** Boot the kernel and start `prog` as its first process; a number is the exit status when it
 *  could not be started (126, its line printed). */
export function startUnderKernel(
  spec: MachineSpec,
  prog: KernelProgram,
  hooks: KernelRunHooks,
): KernelStart | number {
  const filter = hooks.dmesg ? () => true : (l: LogLine) => atLeast(l, "notice") || TASK_LINE.test(l.text);
  const session = bootSession(spec, {
    cmdline: prog.append,
    stats: hooks.stats,
    show: hooks.log,
    filter,
    ...(hooks.onMachine ? { onMachine: hooks.onMachine } : {}),
  });
  if (prog.seed !== undefined) session.k.sched.seed = prog.seed;
  if (hooks.onExit) session.k.sched.onExit = hooks.onExit;
  const done = hooks.onBoot?.(session);
  const kernelAtStart = hooks.stats ? kernelStats(session.k) : null;
  let task: task_struct | number;
  try {
    mountAll(session.k, prog.mounts, hooks.hostFs);
    task = spawnProgram(session.k, prog, hooks);
  } catch (e) {
    done?.();
    throw e;
  }
  if (typeof task === "number") {
    done?.();
    return task;
  }
  return { session, task, done, kernelAtStart };
}

/** Boot the kernel and run `prog` as its first process until every task has exited or the
 *  spec's instruction budget is spent. */
export function runUnderKernel(
  spec: MachineSpec,
  prog: KernelProgram,
  hooks: KernelRunHooks,
): KernelRunResult {
  const started = startUnderKernel(spec, prog, hooks);
  if (typeof started === "number")
    return { status: started, reason: "not run", report: null, kernelAtStart: null };
  const { session, task, done, kernelAtStart } = started;
  let end: { status: number; reason: string };
  try {
    end = runTasks(session, task, spec.maxInsns, hooks.quiet ? () => {} : hooks.message);
  } finally {
    done?.();
  }
  const report = session.stats
    ? {
        ...session.stats.report({ exitCode: end.status, reason: end.reason }),
        kernel: kernelStats(session.k),
      }
    : null;
  return { ...end, report, kernelAtStart };
}

/** Mount the --mount files and directories into the kernel's namespace, in order (a later
 *  mount may sit inside an earlier one), through `host` (node:fs: hostfs.ts); a mount that
 *  cannot be made is a ProgramError naming it. */
function mountAll(k: Kernel, mounts: readonly Mount[], host: HostFs | undefined): void {
  if (mounts.length === 0) return;
  if (!host) throw new ProgramError("not supported: --mount without host files");
  for (const m of mounts) {
    try {
      k.vfs.mount_host(host, m);
    } catch (e) {
      if (e instanceof MountError) throw new ProgramError(e.message);
      throw e;
    }
  }
}

/** Start the program as the first task; on an ExecError, the line and status 126. */
function spawnProgram(k: Kernel, prog: KernelProgram, hooks: KernelRunHooks): task_struct | number {
  try {
    return k.sched.spawn({
      elf: prog.elf,
      path: prog.path,
      argv: [prog.path, ...prog.args],
      envp: [...prog.env],
      io: hooks.io,
      ...(hooks.strace ? { strace: hooks.strace } : {}),
    });
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    hooks.message(`mmlab: ${execLine(prog.path, e)}`);
    return 126;
  }
}

/** Run the scheduler until every task has exited or `maxInsns`; a kernel oops in the
 *  program's context kills it with SIGSEGV, as Linux does. */
function runTasks(
  session: BootedKernel,
  task: task_struct,
  maxInsns: number,
  message: (text: string) => void,
): { status: number; reason: string } {
  const { k, stats } = session;
  const run = (): ReturnType<typeof k.sched.run> => k.sched.run(maxInsns);
  let outcome: ReturnType<typeof k.sched.run>;
  try {
    outcome = stats ? stats.time(run) : run();
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    logOops(k, e);
    return { status: 139, reason: "kernel oops: the task was killed" };
  }
  if (outcome === "halt") throw new Error("BUG: a task stopped for a debugger, and none is attached");
  if (outcome === "wait")
    throw new Error("BUG: a task waits for input from a host whose stdin never says 'later'");
  if (outcome === "limit") {
    const reason = `stopped after ${maxInsns} instructions (--max-insns)`;
    message(`mmlab: ${reason}`);
    return { status: 124, reason };
  }
  const status = task.exitCode ?? 0;
  return { status, reason: task.signal ? `killed by signal ${task.signal}` : `exited with ${status}` };
}
