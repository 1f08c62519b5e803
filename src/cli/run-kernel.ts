// `mmlab run PROGRAM [ARGS...]` in kernel mode: boot the mini-kernel, run a static Linux riscv64
// program as its first process with our stdin, stdout and stderr, and exit with its status.

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isatty } from "node:tty";
import { AsmError, assemble } from "../asm/index.js";
import { type Interpreter, interpreter, tracingInterpreter } from "../cpu/index.js";
import {
  ExecError,
  type Kernel,
  type Mount,
  parseMount,
  type TaskIo,
  type task_struct,
} from "../kernel/index.js";
import { commandLabel, InputError, type Parsed, UsageError } from "./args.js";
import { isAssembly } from "./guest.js";
import { InsnTracer } from "./insn-trace.js";
import { err, out } from "./io.js";
import {
  atLeast,
  bootFor,
  checkKernelSatp,
  KernelOops,
  kernelStats,
  logOops,
  TASK_LINE,
} from "./kernel-session.js";
import type { MachineConfig } from "./machine-config.js";
import { formatStats } from "./stats.js";

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
  const label = commandLabel("run");
  const list = (name: string): string[] => p.multi.get(name) ?? [];
  const env = list("env");
  for (const e of env) {
    if (!/^[^=]+=/.test(e)) {
      throw new UsageError(
        `${label}: bad value '${e}' for '--env': expected KEY=VALUE (see ${label} --help)`,
      );
    }
  }
  const mounts = list("mount").map((spec) => {
    let m: Mount;
    try {
      m = parseMount(spec);
    } catch (e) {
      throw new UsageError(`${label}: ${(e as Error).message} (see ${label} --help)`);
    }
    if (!existsSync(m.host)) throw new InputError(`${m.host}: no such file or directory (--mount ${spec})`);
    return m;
  });
  let seed: number | undefined;
  const seedText = p.options.get("seed");
  if (typeof seedText === "string") {
    const v = /^\d+$/.test(seedText) ? Number(seedText) : Number.NaN;
    if (!(v >= 0 && v <= 0xffffffff)) {
      throw new UsageError(
        `${label}: bad value '${seedText}' for '--seed': expected a whole number from 0 to 4294967295 (see ${label} --help)`,
      );
    }
    seed = v;
  }
  const append = p.options.get("append");
  return {
    env: env.length || p.options.has("clear-env") ? env : [...DEFAULT_ENV],
    mounts,
    seed,
    append: typeof append === "string" ? append : "",
    strace: p.options.has("strace"),
    smaps: p.options.has("smaps"),
    dmesg: p.options.has("dmesg"),
  };
}

/** The program's bytes: an ELF file as it is, a .s file assembled at USER_TEXT_BASE. Null (with
 *  the line printed) when the file is missing. */
function readProgram(path: string): Uint8Array | null {
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
  try {
    return assemble(new TextDecoder().decode(bytes), { file: path, base: USER_TEXT_BASE }).toElf();
  } catch (e) {
    if (e instanceof AsmError) throw new InputError(e.message);
    throw e;
  }
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

/** Run `program` under the kernel; returns the exit status. */
export function runKernelMode(program: string, args: string[], p: Parsed, cfg: MachineConfig): number {
  checkKernelSatp(cfg, "run");
  const opts = runOptions(p);
  let elf: Uint8Array | null;
  try {
    elf = readProgram(program);
  } catch (e) {
    if (e instanceof ExecError) {
      err(`mmlab: ${execLine(program, e)}\n`);
      return 126;
    }
    throw e;
  }
  if (elf === null) {
    err(`mmlab: ${program}: no such file\n`);
    return 127;
  }

  // The log: everything with --dmesg; otherwise what the user must see: lines about the
  // program (segfault, unhandled signal, unknown system call) and anything at notice or worse.
  const filter = opts.dmesg
    ? () => true
    : (l: Parameters<typeof atLeast>[0]) => atLeast(l, "notice") || TASK_LINE.test(l.text);
  const { k, stats, tracer, machine } = bootFor(cfg, opts.append, (text) => err(`${text}\n`), filter);
  // --trace insn: the program's instructions (U-mode; the kernel itself is TypeScript).
  const insn = cfg.trace === "insn" ? new InsnTracer(machine, cfg.traceLimit, err) : null;
  if (insn) {
    const use = (i: Interpreter): void => (stats ? stats.setInterpreter(i) : machine.setInterpreter(i));
    insn.onLimit = () => use(interpreter);
    use(tracingInterpreter(insn.trace));
  }
  if (opts.seed !== undefined) k.sched.seed = opts.seed;
  if (opts.smaps) smapsAtExit(k);

  let status: number;
  let reason: string;
  try {
    let task: task_struct;
    try {
      task = k.sched.spawn({
        elf,
        path: program,
        argv: [program, ...args],
        envp: opts.env,
        io: hostIo,
        mounts: opts.mounts,
        ...(opts.strace ? { strace: (line: string) => err(`${line}\n`) } : {}),
      });
    } catch (e) {
      if (e instanceof ExecError) {
        err(`mmlab: ${execLine(program, e)}\n`);
        return 126;
      }
      throw e;
    }
    const run = (): "done" | "limit" => k.sched.run(cfg.maxInsns);
    let outcome: "done" | "limit" | "oops";
    try {
      outcome = stats ? stats.time(run) : run();
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      // The kernel oopsed in the program's context: Linux kills the task with SIGSEGV.
      logOops(k, e);
      outcome = "oops";
    }
    if (outcome === "limit") {
      status = 124;
      reason = `stopped after ${cfg.maxInsns} instructions (--max-insns)`;
      if (!cfg.quiet) err(`mmlab: ${reason}\n`);
    } else if (outcome === "oops") {
      status = 139;
      reason = "kernel oops: the task was killed";
    } else {
      status = task.exitCode ?? 0;
      reason = task.signal ? `killed by signal ${task.signal}` : `exited with ${status}`;
    }
  } finally {
    tracer?.stop();
    insn?.flush();
  }
  if (stats) {
    const report = { ...stats.report({ exitCode: status, reason }), kernel: kernelStats(k) };
    err(cfg.stats === "json" ? `${JSON.stringify(report)}\n` : formatStats(report));
  }
  return status;
}
