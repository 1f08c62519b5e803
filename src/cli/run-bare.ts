// `mmlab run --bare` (and `mmlab demo`): a bare-metal guest on a machine with no kernel, run by
// src/session's runBare (which checks the ELF against the RAM, loads it, runs it to its end and
// stops a hart whose trap handler traps at its own first instruction over and over); here the
// run prints what it was asked for (statistics, traces, the reason it ended) and gives the
// guest's exit status.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Machine, RunResult } from "../cpu/index.js";
import type { ElfFile } from "../elf/index.js";
import { errnoName, strerror } from "../kernel/errno.js";
import { prepareBare, runBare } from "../session/index.js";
import type { GdbListen } from "./gdb-server.js";
import { asInput } from "./guest.js";
import { ConsoleSink, err, writeGuest } from "./io.js";
import { type MachineConfig, startInsnTrace, startTlbTrace } from "./machine-config.js";
import { printStats } from "./stats.js";

/** The exit statuses of a guest run, for --help. */
export const EXIT_STATUS_HELP = `  0    the guest passed (test finisher 0x5555, or tohost = 1)
  n    the guest failed test n (finisher (n << 16) | 0x3333, or tohost = (n << 1) | 1)
  2    a usage mistake or a bad input file: nothing ran (one line on stderr says what is wrong)
  3    the machine stopped on its own account: every hart asleep in wfi with no interrupt to come,
       a trap handler trapping at its own first instruction, an unsupported HTIF request
  3    also: a write to stdout failed (a full disk...): the run stopped there
  124  --max-insns reached
  141  stdout's reader went away (EPIPE, as in 'mmlab run --bare x.s | head -1'): the run stopped,
       as SIGPIPE stops a process (128 + 13)
  (a guest's own status n may be 2, 3, 124 or 141 too: the line on stderr tells them apart)`;

/** The exit status of a bare run whose stdout's reader went away: 128 + SIGPIPE, as a shell
 *  reports a process that SIGPIPE killed. */
export const EPIPE_STATUS = 141;

/** The guest's console on stdout for a machine made later (`attach`): a write that fails ends
 *  the run, with EPIPE_STATUS when the reader has gone, else 3; nothing more is written. */
function guestConsole(): { sink: ConsoleSink; attach: (m: Machine) => void } {
  let machine: Machine | null = null;
  let failed = false;
  const sink = new ConsoleSink((bytes) => {
    if (failed) return;
    const e = writeGuest(1, bytes);
    if (e === undefined) return;
    failed = true;
    const epipe = errnoName(-e) === "EPIPE";
    machine?.finish(
      epipe ? EPIPE_STATUS : 3,
      epipe
        ? "stdout's reader went away (EPIPE): the run stopped, as SIGPIPE stops a process"
        : `writing to stdout failed: ${strerror(-e)} (${errnoName(-e)}): the run stopped`,
    );
  });
  return { sink, attach: (m) => (machine = m) };
}

/** What a run ended with, as a line for stderr (undefined for a pass). */
function endMessage(res: RunResult): string | undefined {
  return res.exitCode === 0 ? undefined : `mmlab: ${res.reason}`;
}

/** Options of one guest run. */
export interface GuestRun {
  /** The program's name in messages (its path). */
  name: string;
  config: MachineConfig;
  /** Print the stats table even without --stats (the demo does). */
  statsByDefault?: boolean;
}

/** Load `elf` on a new machine, run it, print what was asked for; returns the exit status. */
export function runElf(elf: ElfFile, opts: GuestRun): number {
  const cfg = opts.config;
  const { sink, attach } = guestConsole();
  const { result, report } = asInput(() =>
    runBare(elf, opts.name, cfg, {
      console: sink.put,
      onMachine: (machine, stats) => {
        attach(machine);
        const insnTracer = startInsnTrace(machine, cfg, stats);
        const tlbTracer = startTlbTrace(machine, cfg);
        return () => {
          sink.flush();
          insnTracer?.flush();
          tlbTracer?.stop();
        };
      },
    }),
  );
  const msg = endMessage(result);
  if (msg && !cfg.quiet) err(`${msg}\n`);
  // The demo's counters come by default, but not with -q (only the guest's output, then).
  const mode = cfg.stats === "off" && opts.statsByDefault && !cfg.quiet ? "table" : cfg.stats;
  if (mode !== "off") printStats(report, mode, cfg.quiet);
  return result.exitCode;
}

/** Load `elf` and run it under the gdb stub listening at `listen` (--gdb); returns the exit
 *  status: the guest's, or 128 + the signal when gdb killed it. The stub is loaded only here
 *  (start-up of the runs without it). */
export async function runElfGdb(
  elf: ElfFile,
  opts: GuestRun,
  listen: GdbListen,
  wait: boolean,
): Promise<number> {
  const [{ BareTarget }, { serveGdb }] = await Promise.all([
    import("../gdb/index.js"),
    import("./gdb-server.js"),
  ]);
  const cfg = opts.config;
  const { sink, attach } = guestConsole();
  const s = asInput(() => prepareBare(elf, opts.name, cfg, { console: sink.put }));
  attach(s.machine);
  const file = /\.(s|S|asm)$/.test(opts.name) ? null : resolve(opts.name);
  const target = new BareTarget(
    s.machine,
    file,
    cfg.maxInsns,
    file ? new Uint8Array(readFileSync(file)) : null,
  );
  const end = await serveGdb(target, listen, wait);
  sink.flush();
  s.done?.();
  const res = s.machine.exitResult();
  const status = end.kind === "exited" ? end.code : 128 + end.signal;
  if (status !== 0 && !cfg.quiet)
    err(`mmlab: ${res && end.kind === "exited" ? res.reason : "killed by the debugger"}\n`);
  return status;
}
