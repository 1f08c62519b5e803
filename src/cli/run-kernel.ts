// `mmlab run PROGRAM [ARGS...]` in kernel mode: boot the mini-kernel, run a static Linux riscv64
// program as its first process with our stdin, stdout and stderr, and exit with its status.

import { readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ExecError, type Mount, parseMount, type TaskIo, type task_struct } from "../kernel/index.js";
import {
  DEFAULT_ENV,
  execLine,
  hostPath,
  isAssembly,
  type KernelProgram,
  type KernelRunHooks,
  type KernelRunResult,
  loadAssembler,
  nodeHostFs,
  readKernelProgram,
  runUnderKernel,
  startUnderKernel,
} from "../session/index.js";
import {
  badValue,
  InputError,
  type OptionSpec,
  type Parsed,
  seedOpt,
  stringOpt,
  usageError,
} from "./args.js";
import type { GdbListen } from "./gdb-server.js";
import { asInput } from "./guest.js";
import { err, isTerminal, writeGuest } from "./io.js";
import { checkKernelMem, checkKernelSatp } from "./kernel-session.js";
import { type MachineConfig, startInsnTrace, startTlbTrace } from "./machine-config.js";
import { printStats } from "./stats.js";
import type { TlbTracer } from "./tlb-trace.js";

export { DEFAULT_ENV };

/** --env, --clear-env and --mount: the program's environment and host files (run, exp sweep). */
/** --seed: the seed of the kernel's getrandom() and AT_RANDOM, so that a run repeats exactly. */
export const SEED_OPTION = {
  name: "seed",
  kind: "value",
  valueName: "N",
  help: "seed of getrandom() and AT_RANDOM (default 1): same seed, same run",
} as const;

export const PROGRAM_FILE_OPTIONS: readonly OptionSpec[] = [
  {
    name: "env",
    kind: "value",
    valueName: "KEY=VALUE",
    repeat: true,
    help: "an environment variable (repeatable; replaces the default environment)",
  },
  {
    name: "clear-env",
    kind: "flag",
    help: "start from an empty environment (as env -i): only --env values",
  },
  {
    name: "mount",
    kind: "value",
    valueName: "HOST:GUEST[:rw]",
    repeat: true,
    help:
      "make host file or directory HOST appear at GUEST (repeatable): read-only, or with :rw " +
      "writable — WARNING: with :rw the guest's writes, renames and deletions change HOST's real files",
  },
];

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
  write: writeGuest,
  isatty: (fd) => fd >= 0 && fd <= 2 && isTerminal(fd),
};

/** The kernel-mode options of `run` (--env, --mount, --seed, --append, --strace, --smaps,
 *  --dmesg), checked and parsed. */
function runOptions(p: Parsed) {
  return {
    env: envOpt(p, "run"),
    mounts: mountsOpt(p, "run"),
    seed: seedOpt(p, "run"),
    append: stringOpt(p, "append") ?? "",
    strace: p.options.has("strace"),
    smaps: p.options.has("smaps"),
    dmesg: p.options.has("dmesg"),
  };
}

/** The program's environment: the --env values (each KEY=VALUE), or the default one unless
 *  --clear-env. `command` names the command in messages (run, exp). */
export function envOpt(p: Parsed, command: string): string[] {
  const env = p.multi.get("env") ?? [];
  for (const e of env) {
    if (!/^[^=]+=/.test(e)) throw badValue(command, "env", e, "expected KEY=VALUE");
  }
  return env.length || p.options.has("clear-env") ? env : [...DEFAULT_ENV];
}

/** Why the host path cannot be mounted (no such file, a symbolic-link loop, no permission...),
 *  or null when it can be stat'ed. */
function unreachable(path: string | Buffer): string | null {
  try {
    statSync(path);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      ENOENT: "no such file or directory",
      ENOTDIR: "a component of the path is not a directory",
      ELOOP: "too many levels of symbolic links",
      EACCES: "permission denied",
      ENAMETOOLONG: "file name too long",
    };
    return (code && why[code]) ?? `cannot be read (${code ?? "error"})`;
  }
}

/** The --mount HOST:GUEST[:rw] values, each HOST existing. */
export function mountsOpt(p: Parsed, command: string): Mount[] {
  return (p.multi.get("mount") ?? []).map((spec) => {
    let m: Mount;
    try {
      m = parseMount(spec);
    } catch (e) {
      throw usageError(command, (e as Error).message);
    }
    const why = unreachable(hostPath(m.host));
    if (why) throw new InputError(`${m.host}: ${why} (--mount ${spec})`);
    return m;
  });
}

/** Print each task's smaps when it exits, before exit_mmap() frees its memory. */
function printSmaps(t: task_struct): void {
  const text = t.mm.smaps();
  err(`mmlab: smaps of ${t.comm}[${t.pid}] at exit:\n${text}${text ? "\n" : ""}`);
}

/** Run `program` under the kernel; returns the exit status. */
export async function runKernelMode(
  program: string,
  args: string[],
  p: Parsed,
  cfg: MachineConfig,
  gdb: { listen: GdbListen; wait: boolean } | null = null,
): Promise<number> {
  checkKernelSatp(cfg, "run");
  checkKernelMem(cfg.mem, "run");
  const opts = runOptions(p);
  if (isAssembly(program)) await loadAssembler(); // only then (start-up)
  const elf = programBytes(program);
  if (typeof elf === "number") return elf;
  const line = (text: string): void => err(`${text}\n`);
  let tlbTracer: TlbTracer | null = null;
  const prog = {
    elf,
    path: program,
    args,
    env: opts.env,
    mounts: opts.mounts,
    seed: opts.seed,
    append: opts.append,
  };
  const hooks: KernelRunHooks = {
    io: hostIo,
    log: line,
    dmesg: opts.dmesg,
    message: line,
    quiet: cfg.quiet,
    stats: cfg.stats !== "off",
    hostFs: nodeHostFs(),
    ...(opts.strace ? { strace: line } : {}),
    ...(opts.smaps ? { onExit: printSmaps } : {}),
    onMachine: (m) => {
      tlbTracer = startTlbTrace(m, cfg);
    },
    onBoot: (s) => {
      const insn = startInsnTrace(s.machine, cfg, s.stats);
      return () => {
        tlbTracer?.stop();
        insn?.flush();
      };
    },
  };
  if (gdb) return runUnderGdb(cfg, prog, hooks, gdb, isAssembly(program) ? null : resolve(program));
  const r: KernelRunResult = runUnderKernel(cfg, prog, hooks);
  if (r.report && cfg.stats !== "off") printStats(r.report, cfg.stats, cfg.quiet);
  return r.status;
}

/** `run --gdb` in kernel mode: the program started, then run by gdb's stub until it ends;
 *  returns its exit status (128 + the signal that killed it). The stub is loaded only here. */
async function runUnderGdb(
  cfg: MachineConfig,
  prog: KernelProgram,
  hooks: KernelRunHooks,
  gdb: { listen: GdbListen; wait: boolean },
  execFile: string | null,
): Promise<number> {
  const [{ KernelTarget }, { serveGdb }] = await Promise.all([
    import("../gdb/index.js"),
    import("./gdb-server.js"),
  ]);
  const started = startUnderKernel(cfg, prog, hooks);
  if (typeof started === "number") return started;
  const target = new KernelTarget(started.session.k, started.task, execFile, cfg.maxInsns);
  try {
    const end = await serveGdb(target, gdb.listen, gdb.wait);
    return end.kind === "exited" ? end.code : 128 + end.signal;
  } finally {
    started.done?.();
  }
}

/** The program's bytes, or the exit status when there are none to run: 126 (not an executable
 *  the kernel runs), 127 (no such file), with the line printed. */
function programBytes(program: string): Uint8Array | number {
  let elf: Uint8Array | null;
  try {
    elf = asInput(() => readKernelProgram(program));
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    err(`mmlab: ${execLine(program, e)}\n`);
    return 126;
  }
  if (elf !== null) return elf;
  err(`mmlab: ${program}: no such file\n`);
  return 127;
}
