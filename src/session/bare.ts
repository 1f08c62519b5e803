// A bare-metal guest on a machine with no kernel (`mmlab run --bare`, `mmlab demo`, a --bare
// sweep point): the ELF is checked against the RAM and loaded, every hart starts at its entry in
// M-mode, and the run goes to its end: the test finisher, HTIF tohost, the instruction budget,
// or a hart whose trap handler traps at its own first instruction over and over.

import { causeName, type Hart, LoadError, type Machine, PRIV_M, type RunResult } from "../cpu/index.js";
import { type ElfFile, PT_LOAD } from "../elf/index.js";
import { RAM_BASE } from "../mmu/index.js";
import { formatSize, type MachineSpec, newMachine, ProgramError, restrictSatp } from "./machine.js";
import { StatsCollector, type StatsReport } from "./stats.js";

/** Check that an ELF file can run in bare mode on a machine with `mem` bytes of RAM. */
function checkBareElf(elf: ElfFile, name: string, mem: number): void {
  const loads = elf.segments.filter((s) => s.type === PT_LOAD && s.memsz > 0);
  if (loads.length === 0) throw new ProgramError(`${name}: no PT_LOAD segment: nothing to run`);
  const entry = elf.entry;
  if (entry < BigInt(RAM_BASE) || entry >= BigInt(RAM_BASE + mem)) {
    throw new ProgramError(
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

/** Load the ELF's segments and point the harts at its entry; a segment outside RAM is a bad
 *  input named after the program. */
function loadBareElf(machine: Machine, elf: ElfFile, name: string): void {
  try {
    machine.loadElf(elf);
  } catch (e) {
    if (e instanceof LoadError) throw new ProgramError(`${name}: ${e.message}`);
    throw e;
  }
}

export interface BareRunHooks {
  /** The guest's console (UART and HTIF) output, byte by byte. */
  console: (byte: number) => void;
  /** Called with the machine and its counters before the run (tracers attach here); what it
   *  returns is called at the end. */
  onMachine?: (machine: Machine, stats: StatsCollector) => (() => void) | undefined;
}

/** A bare guest loaded and ready to run (the debugger runs it itself). */
export interface BareSession {
  machine: Machine;
  stats: StatsCollector;
  /** What onMachine returned: call it at the end. */
  done: (() => void) | undefined;
}

/** Check and load `elf` (named `name` in messages) on a new machine, ready to run. */
export function prepareBare(elf: ElfFile, name: string, spec: MachineSpec, hooks: BareRunHooks): BareSession {
  checkBareElf(elf, name, spec.mem);
  const machine = newMachine(spec, hooks.console);
  if (spec.satp) restrictSatp(machine, spec.satp);
  loadBareElf(machine, elf, name);
  const stats = new StatsCollector(machine);
  const done = hooks.onMachine?.(machine, stats);
  watchTrapLoops(machine);
  return { machine, stats, done };
}

/** Check and load `elf` (named `name` in messages) on a new machine and run it to its end. */
export function runBare(
  elf: ElfFile,
  name: string,
  spec: MachineSpec,
  hooks: BareRunHooks,
): { result: RunResult; report: StatsReport } {
  const { stats, done } = prepareBare(elf, name, spec, hooks);
  let result: RunResult;
  try {
    result = stats.run(spec.maxInsns);
  } finally {
    done?.();
  }
  return { result, report: stats.report(result) };
}
