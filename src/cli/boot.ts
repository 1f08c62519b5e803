// `mmlab boot`: boot the mini-kernel with a Linux-style command line, print its log live (dmesg
// timestamps), run what the command line asks (test_vmalloc), then a console script if one is
// given, and exit 0 only if all of it passed.

import {
  type ConsoleRun,
  consoleHelp,
  HostFileError,
  KConsole,
  MAX_TEXT_BYTES,
  readHostFile,
  runLines,
} from "../session/index.js";
import { commandLabel, InputError, type Parsed, stringOpt } from "./args.js";
import type { Command } from "./command.js";
import { err, out } from "./io.js";
import {
  APPEND_OPTION,
  type BootedKernel,
  bootConsoleKernel,
  isPanic,
  KernelOops,
  kernelCommandConfig,
  type LogLine,
  logOops,
  printKernelStats,
  testVmallocProgress,
} from "./kernel-session.js";
import { machineOptions } from "./machine-config.js";
import { PERF_EVENT_HELP } from "./perf.js";

export const BOOT_VERDICT_HELP = `  0  everything passed: no test_vmalloc case failed, no KASAN report, no kernel oops or
     panic, no WARNING, no bad command-line value, and the script (if any) ran to its end
     without an error (a report that a script line asks for with 'expect' does not count)
  1  something failed: the last line on stderr says what
  2  a usage mistake or a bad input (no such script, a bad --tlb file): nothing ran`;

/** Read a script: a file, a FIFO or pipe, or stdin for '-', of at most MAX_TEXT_BYTES. */
function readScript(path: string): { name: string; text: string } {
  try {
    const text = new TextDecoder().decode(readHostFile(path, { max: MAX_TEXT_BYTES, stream: true }));
    return { name: path === "-" ? "<stdin>" : path, text };
  } catch (e) {
    if (e instanceof HostFileError) throw new InputError(e.message);
    throw e;
  }
}

type Progress = { clear: () => void; stop: () => void };

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Bad command-line values the kernel logged while booting, as a failure. */
function commandLineProblems(warnings: readonly LogLine[]): string[] {
  return warnings.length ? [`${plural(warnings.length, "problem")} with the command line`] : [];
}

/** Run test_vmalloc if the command line asked for it, with the progress line in `progress`;
 *  adds its failures. Returns whether the kernel died (an oops or panic). */
function runTestVmalloc(session: BootedKernel, progress: { current: Progress }, failures: string[]): boolean {
  const { k, stats } = session;
  if (!k.testVmalloc.requested) return false;
  progress.current = testVmallocProgress(k);
  try {
    const run = (): { failed: number } => k.testVmalloc.run();
    const r = stats ? stats.time(run) : run();
    if (r.failed) failures.push(`test_vmalloc: ${r.failed} failed`);
    return false;
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    logOops(k, e);
    failures.push(`test_vmalloc: kernel ${isPanic(e) ? "panic" : "oops"}`);
    return true;
  } finally {
    progress.current.stop();
  }
}

/** Run the --script lines; a line that stops the script is a failure. */
function runScript(kc: KConsole, script: { name: string; text: string }, failures: string[]): void {
  const onError = (n: number, msg: string): void => err(`mmlab: ${script.name}:${n}: ${msg}\n`);
  const r: ConsoleRun = runLines(kc, script.text, onError, true);
  if (r.failedAt !== null) failures.push(`${script.name}:${r.failedAt}: the script stopped`);
}

/** KASAN reports and WARNINGs that no `expect` asked for, as failures. */
function unexpectedReports(kc: KConsole): string[] {
  const u = kc.unexpected();
  const out: string[] = [];
  if (u.kasan > 0) out.push(`${plural(u.kasan, "KASAN report")}`);
  if (u.warn > 0) out.push(`${plural(u.warn, "WARNING")}`);
  return out;
}

export const bootCommand: Command = {
  name: "boot",
  summary: "boot the mini-kernel: run test_vmalloc or a console script, print the kernel log",
  usage: ["mmlab boot [options]"],
  description: `
Boot the mini-kernel on the machine and print its log on stdout as it is written, with dmesg
timestamps (the machine's clock: the same run prints the same log). The command line (--append)
takes Linux's parameters: init_on_alloc, init_on_free, kasan=on|off, kasan.fault=report|panic,
kasan_multi_shot, nohugevmalloc, transparent_hugepage=, vrealloc.bug=, vmalloc.lazy_max_pages=,
and test_vmalloc.* (nr_threads, test_loop_count, test_repeat_count, run_test_mask,
sequential_test_order, nr_pages, use_huge, nr_pcpu_objects): any test_vmalloc parameter runs the
tests, as loading the module does. Unknown parameters are reported as Linux reports them.

--script runs kernel console commands (the same as 'mmlab console'; '-' reads them from stdin)
after the tests. A line with a mistake, or longer than 4096 bytes, stops the script:
'FILE:LINE: what is wrong' on stderr.

When stderr is a terminal, a progress line shows which test_vmalloc case is running; when it is
not (a log, a pipe), a long run prints that on a line of its own every 15 s.`,
  options: [
    APPEND_OPTION,
    { name: "script", kind: "value", valueName: "FILE|-", help: "run console commands from FILE (or stdin)" },
    ...machineOptions({ guest: false }),
  ],
  sections: [
    ["Exit status", BOOT_VERDICT_HELP],
    ["Script commands", consoleHelp()],
    ["TLB counters (--stats)", PERF_EVENT_HELP],
  ],
  examples: [
    "mmlab boot --append 'test_vmalloc.run_test_mask=4096'",
    "mmlab boot --append 'test_vmalloc.test_loop_count=100 test_vmalloc.nr_threads=4' --harts 4 --stats",
    "mmlab boot --append 'vrealloc.bug=e64f42036ef4' --script examples/shrink.txt",
    "printf 'p = vmalloc 256K\\nvrealloc p 16K\\ncat /proc/vmallocinfo\\n' | mmlab boot --script -",
  ],
  async run(p: Parsed): Promise<number> {
    const cfg = kernelCommandConfig(p, "boot");
    const scriptPath = p.options.get("script");
    const script = typeof scriptPath === "string" ? readScript(scriptPath) : null;
    const progress = { current: { clear: () => {}, stop: () => {} } };
    const session = bootConsoleKernel(cfg, stringOpt(p, "append") ?? "", (text) => {
      progress.current.clear();
      out(`${text}\n`);
    });
    const failures = commandLineProblems(session.bootWarnings);
    const kc = new KConsole(session.k, out);
    try {
      const dead = runTestVmalloc(session, progress, failures);
      if (script && !dead) runScript(kc, script, failures);
    } finally {
      session.tracer?.stop();
    }
    failures.push(...unexpectedReports(kc));
    const status = failures.length ? 1 : 0;
    const reason = failures.length ? `boot failed: ${failures.join("; ")}` : "boot passed";
    printKernelStats(session, cfg, status, reason);
    if (failures.length) err(`${commandLabel("boot")}: FAILED: ${failures.join("; ")}\n`);
    return status;
  },
};
