// `mmlab run --bare` (and `mmlab demo`): a bare-metal guest on a machine with no kernel. The
// ELF is checked against the RAM, loaded and run to its end; the run prints what it was asked
// for (statistics, traces, the reason it ended), stops a hart that traps at its own trap
// handler over and over, and gives the guest's exit status.

import {
  causeName,
  type Hart,
  LoadError,
  type Machine,
  Paging,
  PRIV_M,
  type RunResult,
} from "../cpu/index.js";
import { type ElfFile, PT_LOAD } from "../elf/index.js";
import { type PagingMode, RAM_BASE } from "../mmu/index.js";
import { formatSize, InputError } from "./args.js";
import { ConsoleSink, err } from "./io.js";
import { type MachineConfig, newMachine, startInsnTrace, startTlbTrace } from "./machine-config.js";
import { printStats, StatsCollector } from "./stats.js";

/** The exit statuses of a guest run, for --help. */
export const EXIT_STATUS_HELP = `  0    the guest passed (test finisher 0x5555, or tohost = 1)
  n    the guest failed test n (finisher (n << 16) | 0x3333, or tohost = (n << 1) | 1)
  2    a usage mistake or a bad input file: nothing ran (one line on stderr says what is wrong)
  3    the machine stopped on its own account: every hart asleep in wfi with no interrupt to come,
       a trap handler trapping at its own first instruction, an unsupported HTIF request
  124  --max-insns reached
  (a guest's own status n may be 2, 3 or 124 too: the line on stderr tells them apart)`;

/** Allow only `mode` (and Bare) in every hart's satp: a write of another MODE is ignored, as
 *  the spec says for an unsupported mode. */
export function restrictSatp(machine: Machine, mode: PagingMode): void {
  for (const h of machine.harts) {
    const t = h.translator;
    if (t instanceof Paging) {
      // Paging.modes is the list the satp write checks (WARL); narrow it in place.
      t.modes.splice(0, t.modes.length, mode.satpMode);
    }
  }
}

/** Check that an ELF file can run in bare mode on a machine with `mem` bytes of RAM. */
function checkBareElf(elf: ElfFile, name: string, mem: number): void {
  const loads = elf.segments.filter((s) => s.type === PT_LOAD && s.memsz > 0);
  if (loads.length === 0) throw new InputError(`${name}: no PT_LOAD segment: nothing to run`);
  const entry = elf.entry;
  if (entry < BigInt(RAM_BASE) || entry >= BigInt(RAM_BASE + mem)) {
    throw new InputError(
      `${name}: entry point 0x${entry.toString(16)} is outside RAM ` +
        `[0x${RAM_BASE.toString(16)}, 0x${(RAM_BASE + mem).toString(16)}) (--mem ${formatSize(mem)})`,
    );
  }
}

/** Consecutive traps of one hart into its own trap vector after which the run is stopped. */
const TRAP_LOOP_LIMIT = 1000;

/**
 * Stop the run (status 3) when a hart's trap handler itself traps at its first instruction, over
 * and over: nothing can retire, so the hart would spin forever (and --max-insns would never be
 * reached, since no instruction retires). The commonest bare-metal bug: a fault with mtvec = 0.
 */
function watchTrapLoops(machine: Machine): void {
  for (const h of machine.harts) {
    let streak = 0;
    let lastCause = -1;
    h.trapListeners.push((hart: Hart, cause: number, tval: bigint, interrupt: boolean) => {
      const toM = hart.priv === PRIV_M;
      const epc = toM ? hart.mepc : hart.sepc;
      if (interrupt || epc !== hart.pcBig()) {
        streak = 0;
        return;
      }
      if (cause !== lastCause) {
        lastCause = cause;
        streak = 0;
      }
      if (++streak < TRAP_LOOP_LIMIT) return;
      const tvec = toM ? `mtvec = 0x${hart.mtvec.toString(16)}` : `stvec = 0x${hart.stvec.toString(16)}`;
      machine.finish(
        3,
        `hart ${hart.id}: trap loop: ${causeName(cause)} (tval 0x${tval.toString(16)}) at ` +
          `0x${epc.toString(16)}, the first instruction of the trap handler (${tvec})`,
      );
    });
  }
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
  checkBareElf(elf, opts.name, cfg.mem);
  const sink = new ConsoleSink();
  const machine = newMachine(cfg, sink.put);
  if (cfg.satp) restrictSatp(machine, cfg.satp);
  loadBareElf(machine, elf, opts.name);
  const stats = new StatsCollector(machine);
  const insnTracer = startInsnTrace(machine, cfg, stats);
  const tlbTracer = startTlbTrace(machine, cfg);
  watchTrapLoops(machine);
  let res: RunResult;
  try {
    res = stats.run(cfg.maxInsns);
  } finally {
    sink.flush();
    insnTracer?.flush();
    tlbTracer?.stop();
  }
  const msg = endMessage(res);
  if (msg && !cfg.quiet) err(`${msg}\n`);
  const mode = cfg.stats === "off" && opts.statsByDefault ? "table" : cfg.stats;
  if (mode !== "off") printStats(stats.report(res), mode);
  return res.exitCode;
}

/** Load the ELF's segments and point the harts at its entry; a segment outside RAM is a bad
 *  input named after the program. */
function loadBareElf(machine: Machine, elf: ElfFile, name: string): void {
  try {
    machine.loadElf(elf);
  } catch (e) {
    if (e instanceof LoadError) throw new InputError(`${name}: ${e.message}`);
    throw e;
  }
}
