// Running a machine, as every machine-running command does (run, demo, boot, console): the
// shared machine options (--harts, --mem, --tlb, --satp, --max-insns, --stats, --trace and its
// filters, --quiet), building the Machine, the statistics and the tracers, and for bare guests
// the trap-loop watchdog and the exit status.

import {
  causeName,
  type Hart,
  interpreter,
  LoadError,
  Machine,
  Paging,
  PRIV_M,
  type RunResult,
  tracingInterpreter,
} from "../cpu/index.js";
import { type ElfFile, PT_LOAD } from "../elf/index.js";
import {
  DEFAULT_TLB_PRESET,
  loadTlbConfig,
  MAX_RAM,
  PAGE_SIZE,
  type PagingMode,
  pagingModeByName,
  RAM_BASE,
  TLB_PRESETS,
  type TlbConfig,
} from "../mmu/index.js";
import {
  commandLabel,
  flag,
  formatSize,
  InputError,
  type OptionSpec,
  type Parsed,
  parseCount,
  parseSize,
  stringOpt,
  UsageError,
} from "./args.js";
import { DEFAULT_TRACE_LIMIT, InsnTracer } from "./insn-trace.js";
import { ConsoleSink, err } from "./io.js";
import { formatStats, StatsCollector } from "./stats.js";
import { parseRange, type TlbTraceFilter, TlbTracer } from "./tlb-trace.js";

export const MAX_HARTS = 64;
export const DEFAULT_MEM = 1 << 30;

/** The exit statuses of a guest run, for --help. */
export const EXIT_STATUS_HELP = `  0    the guest passed (test finisher 0x5555, or tohost = 1)
  n    the guest failed test n (finisher (n << 16) | 0x3333, or tohost = (n << 1) | 1)
  2    a usage mistake or a bad input file: nothing ran (one line on stderr says what is wrong)
  3    the machine stopped on its own account: every hart asleep in wfi with no interrupt to come,
       a trap handler trapping at its own first instruction, an unsupported HTIF request
  124  --max-insns reached
  (a guest's own status n may be 2, 3 or 124 too: the line on stderr tells them apart)`;

/** The options every machine-running command shares; `bare` adds --max-insns and --quiet,
 *  which only guest runs have, and `--trace insn`. */
export function machineOptions(kinds: { guest: boolean }): OptionSpec[] {
  const traceKinds = kinds.guest ? ["insn", "tlb"] : ["tlb"];
  return [
    { name: "harts", kind: "value", valueName: "N", help: `number of harts, 1 to ${MAX_HARTS} (default 1)` },
    {
      name: "mem",
      kind: "value",
      valueName: "SIZE",
      help: "RAM size at 0x80000000: 64M, 512M, 1G... (default 1G, at most 4G)",
    },
    {
      name: "tlb",
      kind: "value",
      valueName: "PRESET|FILE.json",
      help: `TLB of every hart: ${Object.keys(TLB_PRESETS).join(", ")} (default ${DEFAULT_TLB_PRESET}), or JSON`,
    },
    {
      name: "satp",
      kind: "value",
      valueName: "MODE",
      choices: ["sv39", "sv48", "sv57"],
      help: "paging mode: the only one a --bare guest may put in satp (default: any); the kernel uses sv48",
    },
    ...(kinds.guest
      ? ([
          {
            name: "max-insns",
            kind: "value",
            valueName: "N",
            help: "stop after N instructions (all harts), exit status 124",
          },
        ] as const)
      : []),
    {
      name: "stats",
      kind: "optional",
      valueName: "json",
      choices: ["json"],
      help: "print the counters (TLB included) at exit on stderr: a table, or one JSON object",
    },
    {
      name: "trace",
      kind: "value",
      valueName: "KIND",
      choices: traceKinds,
      help: kinds.guest
        ? "trace on stderr; insn: each instruction (--bare only); tlb: walks, fills, evictions, flushes"
        : "trace on stderr; tlb: the TLBs' walks, fills, evictions and flushes",
    },
    {
      name: "trace-limit",
      kind: "value",
      valueName: "N",
      help: `stop tracing after N lines (default ${DEFAULT_TRACE_LIMIT})`,
    },
    { name: "trace-hart", kind: "value", valueName: "N", help: "--trace tlb: only hart N" },
    {
      name: "trace-kind",
      kind: "value",
      valueName: "r|w|x",
      choices: ["r", "w", "x"],
      help: "--trace tlb: only walks and fills for loads (r), stores (w) or fetches (x)",
    },
    {
      name: "trace-range",
      kind: "value",
      valueName: "START-END",
      help: "--trace tlb: only events touching these VAs (hex: ffff8f8000000000-ffff8f80000fffff)",
    },
    ...(kinds.guest
      ? ([
          { name: "quiet", short: "q", kind: "flag", help: "no line on stderr saying why the run ended" },
        ] as const)
      : []),
  ];
}

/** Options every machine-running command shares (run, demo). */
export const MACHINE_OPTIONS: readonly OptionSpec[] = machineOptions({ guest: true });

export interface MachineConfig {
  harts: number;
  mem: number;
  /** The TLB geometry (--tlb), loaded. */
  tlb: TlbConfig;
  /** --satp, when given. */
  satp: PagingMode | null;
  maxInsns: number;
  stats: "off" | "table" | "json";
  trace: "insn" | "tlb" | null;
  traceLimit: number;
  traceFilter: TlbTraceFilter;
  quiet: boolean;
}

/** The machine configuration from parsed options; throws UsageError on a bad value. */
export function machineConfig(p: Parsed, command: string): MachineConfig {
  const label = commandLabel(command);
  const bad = (opt: string, value: string, want: string): UsageError =>
    new UsageError(`${label}: bad value '${value}' for '--${opt}': ${want} (see ${label} --help)`);
  const count = (opt: string): number | undefined => {
    const text = stringOpt(p, opt);
    if (text === undefined) return undefined;
    const v = parseCount(text);
    if (v === undefined) throw bad(opt, text, "expected a positive whole number such as 1000000 or 10M");
    return v;
  };

  let harts = 1;
  const hartsText = stringOpt(p, "harts");
  if (hartsText !== undefined) {
    const v = /^\d+$/.test(hartsText) ? Number(hartsText) : Number.NaN;
    if (!(v >= 1 && v <= MAX_HARTS))
      throw bad("harts", hartsText, `expected a number from 1 to ${MAX_HARTS}`);
    harts = v;
  }

  let mem = DEFAULT_MEM;
  const memText = stringOpt(p, "mem");
  if (memText !== undefined) {
    const v = parseSize(memText);
    if (v === undefined) throw bad("mem", memText, "expected a size such as 64M or 1G");
    if (v < 64 * 1024 || v > MAX_RAM) throw bad("mem", memText, "RAM must be from 64K to 4G");
    if (v % PAGE_SIZE !== 0) throw bad("mem", memText, "RAM must be a multiple of 4K");
    mem = v;
  }

  let tlb: TlbConfig;
  const tlbText = stringOpt(p, "tlb") ?? DEFAULT_TLB_PRESET;
  try {
    tlb = loadTlbConfig(tlbText);
  } catch (e) {
    const msg = (e as Error).message;
    if (!tlbText.endsWith(".json"))
      throw bad("tlb", tlbText, msg.replace(/^unknown TLB preset '[^']*' /, "no such preset "));
    throw new InputError(msg);
  }
  const satpText = stringOpt(p, "satp");
  const satp = satpText === undefined ? null : pagingModeByName(satpText);

  const stats = stringOpt(p, "stats", "table");
  const trace = stringOpt(p, "trace");
  const traceLimit = count("trace-limit") ?? DEFAULT_TRACE_LIMIT;
  if (flag(p, "trace-limit") && trace === undefined) {
    throw new UsageError(
      `${label}: '--trace-limit' needs '--trace insn' or '--trace tlb' (see ${label} --help)`,
    );
  }
  const traceFilter: TlbTraceFilter = {};
  for (const opt of ["trace-hart", "trace-kind", "trace-range"]) {
    if (flag(p, opt) && trace !== "tlb") {
      throw new UsageError(`${label}: '--${opt}' needs '--trace tlb' (see ${label} --help)`);
    }
  }
  const hartText = stringOpt(p, "trace-hart");
  if (hartText !== undefined) {
    const v = /^\d+$/.test(hartText) ? Number(hartText) : Number.NaN;
    if (!(v >= 0 && v < harts))
      throw bad("trace-hart", hartText, `expected a hart number from 0 to ${harts - 1}`);
    traceFilter.hart = v;
  }
  const kindText = stringOpt(p, "trace-kind");
  if (kindText === "r" || kindText === "w" || kindText === "x") traceFilter.kind = kindText;
  const rangeText = stringOpt(p, "trace-range");
  if (rangeText !== undefined) {
    const r = parseRange(rangeText);
    if (!r)
      throw bad(
        "trace-range",
        rangeText,
        "expected START-END in hex with START <= END, such as 80000000-8000ffff",
      );
    traceFilter.range = r;
  }
  return {
    harts,
    mem,
    tlb,
    satp,
    maxInsns: count("max-insns") ?? Number.POSITIVE_INFINITY,
    stats: stats === undefined ? "off" : stats === "json" ? "json" : "table",
    trace: trace === "insn" ? "insn" : trace === "tlb" ? "tlb" : null,
    traceLimit,
    traceFilter,
    quiet: flag(p, "quiet"),
  };
}

/** A new machine with the configuration's harts, RAM and TLB. */
export function newMachine(cfg: MachineConfig, console?: (byte: number) => void): Machine {
  return new Machine({ harts: cfg.harts, mem: cfg.mem, tlb: cfg.tlb, ...(console ? { console } : {}) });
}

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

/** Start `--trace tlb` on `machine` when asked; the caller stops it at the end. */
export function startTlbTrace(machine: Machine, cfg: MachineConfig): TlbTracer | null {
  return cfg.trace === "tlb" ? new TlbTracer(machine, cfg.traceLimit, cfg.traceFilter, err) : null;
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
  try {
    machine.loadElf(elf);
  } catch (e) {
    if (e instanceof LoadError) throw new InputError(`${opts.name}: ${e.message}`);
    throw e;
  }
  const stats = new StatsCollector(machine);
  let tracer: InsnTracer | null = null;
  if (cfg.trace === "insn") {
    tracer = new InsnTracer(machine, cfg.traceLimit, err);
    tracer.onLimit = () => stats.setInterpreter(interpreter);
    stats.setInterpreter(tracingInterpreter(tracer.trace));
  }
  const tlbTracer = startTlbTrace(machine, cfg);
  watchTrapLoops(machine);
  let res: RunResult;
  try {
    res = stats.run(cfg.maxInsns);
  } finally {
    sink.flush();
    tracer?.flush();
    tlbTracer?.stop();
  }
  const msg = endMessage(res);
  if (msg && !cfg.quiet) err(`${msg}\n`);
  const mode = cfg.stats === "off" && opts.statsByDefault ? "table" : cfg.stats;
  if (mode !== "off") {
    const report = stats.report(res);
    err(mode === "json" ? `${JSON.stringify(report)}\n` : formatStats(report));
  }
  return res.exitCode;
}
