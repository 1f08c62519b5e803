// `mmlab run`: run a guest program. Kernel mode (the default) runs a static Linux riscv64 program
// as a process of the mini-kernel (run-kernel.ts); bare mode (--bare) runs a bare-metal program
// on the machine with no kernel (run-bare.ts).

import { loadJit } from "../session/index.js";
import { type Parsed, UsageError, usageError } from "./args.js";
import type { Command } from "./command.js";
import type { GdbListen } from "./gdb-server.js";
import { loadGuest } from "./guest.js";
import { APPEND_OPTION } from "./kernel-session.js";
import { MACHINE_OPTIONS, machineConfig } from "./machine-config.js";
import { PERF_EVENT_HELP } from "./perf.js";
import { EXIT_STATUS_HELP, runElf, runElfGdb } from "./run-bare.js";
import {
  DEFAULT_ENV,
  KERNEL_EXIT_HELP,
  PROGRAM_FILE_OPTIONS,
  runKernelMode,
  SEED_OPTION,
} from "./run-kernel.js";

export const runCommand: Command = {
  name: "run",
  summary: "run a program: a static Linux riscv64 binary under the kernel, or a bare-metal guest",
  usage: ["mmlab run [options] PROGRAM [ARGS...]", "mmlab run --bare [options] PROGRAM.elf|PROGRAM.s"],
  description: `
Kernel mode (the default) boots the mini-kernel and runs PROGRAM, a static RISC-V Linux
executable (ELF64, ET_EXEC or static-PIE), as its first process in U-mode, with ARGS as its
arguments (argv[0] is PROGRAM as you typed it). Its standard input, output and error are ours, and
mmlab exits with its exit status. A PROGRAM ending in .s or .S is assembled first (text at
0x10000, entry at _start) and runs the same way. The environment is ${DEFAULT_ENV.join(" ")}
unless --env is given, in which case it is exactly the --env values.

The kernel log is not shown, except what concerns the program: its faults (the 'segfault at'
and 'unhandled signal' lines), system calls the kernel does not know (once per number), and any
line at notice level or worse (KASAN, WARN, out of memory, unknown command-line parameters).
--dmesg shows the whole log on stderr, with dmesg timestamps.

With --bare it runs with no kernel: every hart starts at the ELF entry point in M-mode (a0 = hart
id, a1 = 0), satp is Bare, and the guest's traps go to its own mtvec/stvec. The guest ends the run
through the test finisher at 0x100000 (0x5555: pass, (n << 16) | 0x3333: test n failed) or through
its 'tohost' symbol (HTIF: 1 pass, (n << 1) | 1 test n failed; proxied write to fd 1/2 and
exit system calls, as Spike's). Its UART (16550 at 0x10000000)
and HTIF console output go to stdout. A .s file is assembled at 0x80000000. A bare program takes
no arguments.

In both modes hot guest code is translated to WebAssembly (the same output, exit status and
counters, only faster; --no-jit runs every instruction in the interpreter).

Options come before PROGRAM.`,
  options: [
    { name: "bare", kind: "flag", help: "run with no kernel (bare-metal program)" },
    {
      ...APPEND_OPTION,
      help: "the kernel command line (kernel mode): 'transparent_hugepage=always kasan=off'...",
    },
    ...PROGRAM_FILE_OPTIONS,
    { name: "strace", kind: "flag", help: "print every system call on stderr, as strace does" },
    SEED_OPTION,
    { name: "smaps", kind: "flag", help: "print the program's /proc/self/smaps on stderr when it exits" },
    { name: "dmesg", kind: "flag", help: "print the whole kernel log on stderr, live" },
    {
      name: "gdb",
      kind: "value",
      valueName: "[HOST:]PORT|unix:PATH",
      help: "serve the gdb remote protocol there (host 127.0.0.1 by default); see README 'Debugging with gdb'",
    },
    { name: "gdb-wait", kind: "flag", help: "with --gdb: run nothing until gdb attaches and continues" },
    ...MACHINE_OPTIONS,
  ],
  sections: [
    ["Exit status (kernel mode)", KERNEL_EXIT_HELP],
    ["Exit status (--bare)", EXIT_STATUS_HELP],
    ["TLB counters (--stats)", PERF_EVENT_HELP],
  ],
  examples: [
    "mmlab run guests/bin/hello.glibc.elf",
    "echo hi | mmlab run --strace guests/bin/cat.glibc.elf",
    "mmlab run --append transparent_hugepage=always --smaps --stats guests/bin/thp_touch.glibc.elf",
    "mmlab run --mount guests/inputs:/data --env LANG=C guests/bin/cat.glibc.elf /data/cat.txt",
    "mmlab run --trace tlb --trace-kind w --trace-limit 100 guests/bin/hello.glibc.elf",
    "mmlab run --bare examples/hello.s",
    "mmlab run --bare --harts 4 --mem 64M --satp sv39 --stats examples/hello.s",
    "mmlab run --bare --max-insns 10M --stats=json guests/bin/bench_bare.elf 2>stats.json",
    "mmlab run --bare --trace insn --trace-limit 50 examples/hello.s",
  ],
  stopAtPositional: true,
  async run(p: Parsed): Promise<number> {
    const config = machineConfig(p, "run");
    if (config.jit) await loadJit();
    const [program, ...rest] = p.positionals;
    if (program === undefined) throw usageError("run", "no PROGRAM given");
    if (!p.options.has("bare")) return runKernelMode(program, rest, p, config, await gdbOption(p));
    for (const opt of ["append", "env", "clear-env", "mount", "strace", "seed", "smaps", "dmesg"]) {
      if (p.options.has(opt)) {
        throw usageError("run", `'--${opt}' is for kernel mode, not --bare`);
      }
    }
    if (rest.length > 0) {
      throw new UsageError(
        `mmlab run: a bare-mode program takes no arguments, got '${rest[0]}' ` +
          "(options go before PROGRAM; see mmlab run --help)",
      );
    }
    const elf = await loadGuest(program);
    const gdb = await gdbOption(p);
    if (gdb) return runElfGdb(elf, { name: program, config }, gdb.listen, gdb.wait);
    return runElf(elf, { name: program, config });
  },
};

/** --gdb and --gdb-wait, or null without --gdb (the stub's module is loaded only with it:
 *  start-up). */
export async function gdbOption(p: Parsed): Promise<{ listen: GdbListen; wait: boolean } | null> {
  const v = p.options.get("gdb");
  if (typeof v !== "string") {
    if (p.options.has("gdb-wait")) throw usageError("run", "--gdb-wait needs --gdb");
    return null;
  }
  const { parseGdbListen } = await import("./gdb-server.js");
  return { listen: parseGdbListen(v, "run"), wait: p.options.has("gdb-wait") };
}
