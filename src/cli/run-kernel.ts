// `mmlab run PROGRAM [ARGS...]` in kernel mode: boot the mini-kernel, run a static Linux riscv64
// program as its first process with our stdin, stdout and stderr, and exit with its status.

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isatty } from "node:tty";
import {
  ExecError,
  type Kernel,
  type Mount,
  parseMount,
  type TaskIo,
  type task_struct,
} from "../kernel/index.js";
import { badValue, InputError, type Parsed, seedOpt, stringOpt, usageError } from "./args.js";
import { assembleBytes, isAssembly } from "./guest.js";
import { err, out } from "./io.js";
import {
  atLeast,
  type BootedKernel,
  bootFor,
  checkKernelSatp,
  KernelOops,
  type LogLine,
  logOops,
  printKernelStats,
  TASK_LINE,
} from "./kernel-session.js";
import { type MachineConfig, startInsnTrace } from "./machine-config.js";

/** The environment a program gets when no --env is given. */
export const DEFAULT_ENV: readonly string[] = ["HOME=/", "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"];

/** Where a user-mode assembly program (PROGRAM.s in kernel mode) is placed. */
export const USER_TEXT_BASE = 0x10000n;

/** Exit statuses of kernel mode, for --help. */
export const KERNEL_EXIT_HELP = `  n      the program's exit status (exit_group(n))
  128+s  the program was killed by signal s, as a shell reports it: 139 SIGSEGV (the kernel's
         'segfault at' line is on stderr), 132 SIGILL, 135 SIGBUS, 137 SIGKILL (out of memory)
  124    --max-insns reached
  126    PROGRAM is not an executable this kernel runs (one line on stderr says why)
  127    PROGRAM does not exist
  2      a usage mistake: nothing ran`;

/** The host side of the program's standard files. Tests replace `read`. */
export const hostStdin = {
  /** Read up to `max` bytes of our stdin; empty at end of file or when nothing is ready. */
  read(max: number): Uint8Array {
    const buf = new Uint8Array(Math.max(0, Math.min(max, 1 << 16)));
    try {
      const n = readSync(0, buf, 0, buf.length, null);
      return buf.subarray(0, n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EOF" || code === "EBADF" || code === "EISDIR")
        return new Uint8Array(0);
      throw e;
    }
  },
};

const hostIo: TaskIo = {
  stdin: (max) => hostStdin.read(max),
  write: (fd, data) => (fd === 1 ? out(data) : err(data)),
  isatty: (fd) => (fd >= 0 && fd <= 2 ? isatty(fd) : false),
};

interface KernelRunOptions {
  env: string[];
  mounts: Mount[];
  seed: number | undefined;
  append: string;
  strace: boolean;
  smaps: boolean;
  dmesg: boolean;
}

function runOptions(p: Parsed): KernelRunOptions {
  const list = (name: string): string[] => p.multi.get(name) ?? [];
  const env = list("env");
  for (const e of env) {
    if (!/^[^=]+=/.test(e)) throw badValue("run", "env", e, "expected KEY=VALUE");
  }
  return {
    env: env.length || p.options.has("clear-env") ? env : [...DEFAULT_ENV],
    mounts: list("mount").map(mountOpt),
    seed: seedOpt(p, "run"),
    append: stringOpt(p, "append") ?? "",
    strace: p.options.has("strace"),
    smaps: p.options.has("smaps"),
    dmesg: p.options.has("dmesg"),
  };
}

/** One --mount HOST:GUEST, whose HOST must exist. */
function mountOpt(spec: string): Mount {
  let m: Mount;
  try {
    m = parseMount(spec);
  } catch (e) {
    throw usageError("run", (e as Error).message);
  }
  if (!existsSync(m.host)) throw new InputError(`${m.host}: no such file or directory (--mount ${spec})`);
  return m;
}

/** The program's bytes: an ELF file as it is, a .s file assembled at USER_TEXT_BASE. Null when
 *  the file does not exist; an ExecError when it cannot be read as a program. */
async function readProgram(path: string): Promise<Uint8Array | null> {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new ExecError(`${path}: is a directory`);
    const fd = openSync(path, "r");
    try {
      bytes = new Uint8Array(readFileSync(fd));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (e instanceof ExecError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code === "EACCES") throw new ExecError(`${path}: permission denied`);
    throw e;
  }
  if (!isAssembly(path)) return bytes;
  return assembleBytes(new TextDecoder().decode(bytes), path, USER_TEXT_BASE);
}

/** "name: reason" for an ExecError, naming the program once. */
function execLine(path: string, e: Error): string {
  return e.message.startsWith(`${path}:`) ? e.message : `${path}: ${e.message}`;
}

/** Print each task's smaps when it exits, before exit_mmap() frees its memory. */
function smapsAtExit(k: Kernel): void {
  k.sched.onExit = (t: task_struct) => {
    const text = t.mm.smaps();
    err(`mmlab: smaps of ${t.comm}[${t.pid}] at exit:\n${text}${text ? "\n" : ""}`);
  };
}

/** How the program's run ended: mmlab's exit status and the reason --stats reports. */
interface ProgramEnd {
  status: number;
  reason: string;
}

/** Run `program` under the kernel; returns the exit status. */
export async function runKernelMode(
  program: string,
  args: string[],
  p: Parsed,
  cfg: MachineConfig,
): Promise<number> {
  checkKernelSatp(cfg, "run");
  const opts = runOptions(p);
  const elf = await programBytes(program);
  if (typeof elf === "number") return elf;
  const session = bootForProgram(cfg, opts);
  const insn = startInsnTrace(session.machine, cfg, session.stats);
  let end: ProgramEnd;
  try {
    const task = spawnProgram(session.k, elf, program, args, opts);
    if (typeof task === "number") return task;
    end = runProgram(session, task, cfg);
  } finally {
    session.tracer?.stop();
    insn?.flush();
  }
  printKernelStats(session, cfg, end.status, end.reason);
  return end.status;
}

/** The program's bytes, or the exit status when there are none to run: 126 (not an executable
 *  the kernel runs), 127 (no such file), with the line printed. */
async function programBytes(program: string): Promise<Uint8Array | number> {
  let elf: Uint8Array | null;
  try {
    elf = await readProgram(program);
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    err(`mmlab: ${execLine(program, e)}\n`);
    return 126;
  }
  if (elf !== null) return elf;
  err(`mmlab: ${program}: no such file\n`);
  return 127;
}

/** Boot the kernel for a program run. The log shows everything with --dmesg; otherwise what the
 *  user must see: lines about the program (segfault, unhandled signal, unknown system call) and
 *  anything at notice level or worse. */
function bootForProgram(cfg: MachineConfig, opts: KernelRunOptions): BootedKernel {
  const filter = opts.dmesg ? () => true : (l: LogLine) => atLeast(l, "notice") || TASK_LINE.test(l.text);
  const session = bootFor(cfg, opts.append, (text) => err(`${text}\n`), filter);
  if (opts.seed !== undefined) session.k.sched.seed = opts.seed;
  if (opts.smaps) smapsAtExit(session.k);
  return session;
}

/** Start the program as the first task; on an ExecError, the line and status 126. */
function spawnProgram(
  k: Kernel,
  elf: Uint8Array,
  program: string,
  args: string[],
  opts: KernelRunOptions,
): task_struct | number {
  try {
    return k.sched.spawn({
      elf,
      path: program,
      argv: [program, ...args],
      envp: opts.env,
      io: hostIo,
      mounts: opts.mounts,
      ...(opts.strace ? { strace: (line: string) => err(`${line}\n`) } : {}),
    });
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    err(`mmlab: ${execLine(program, e)}\n`);
    return 126;
  }
}

/** Run the scheduler until every task has exited or --max-insns; a kernel oops in the
 *  program's context kills it with SIGSEGV, as Linux does. */
function runProgram(session: BootedKernel, task: task_struct, cfg: MachineConfig): ProgramEnd {
  const { k, stats } = session;
  const run = (): "done" | "limit" => k.sched.run(cfg.maxInsns);
  let outcome: "done" | "limit";
  try {
    outcome = stats ? stats.time(run) : run();
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    logOops(k, e);
    return { status: 139, reason: "kernel oops: the task was killed" };
  }
  if (outcome === "limit") {
    const reason = `stopped after ${cfg.maxInsns} instructions (--max-insns)`;
    if (!cfg.quiet) err(`mmlab: ${reason}\n`);
    return { status: 124, reason };
  }
  const status = task.exitCode ?? 0;
  return { status, reason: task.signal ? `killed by signal ${task.signal}` : `exited with ${status}` };
}
