// The options every machine-running command shares (run, demo, boot, console; exp takes --tlb
// and --satp from here too): their one definition, their parsing into a MachineConfig, and the
// Machine built from it with its `--trace tlb` tracer.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Interpreter,
  interpreter,
  type Machine,
  setGeneratedCompiler,
  tracingInterpreter,
} from "../cpu/index.js";
import type * as Jit from "../cpu/jit/index.js";
import {
  DEFAULT_TLB_PRESET,
  loadTlbConfig,
  MAX_RAM,
  PAGE_SIZE,
  PAGING_MODES,
  type PagingMode,
  pagingModeByName,
  parseTlbConfig,
  setSharedArenas,
  TLB_PRESETS,
  type TlbConfig,
} from "../mmu/index.js";
import {
  type JitSpec,
  MAX_HARTS,
  MAX_TEXT_BYTES,
  type MachineSpec,
  makeDirs,
  readHostFile,
  type StatsCollector,
  setJitLoader,
} from "../session/index.js";

export { MAX_HARTS };

import {
  badValue,
  flag,
  InputError,
  type OptionSpec,
  type Parsed,
  parseCount,
  parseSize,
  stringOpt,
  usageError,
  wholeNumberOpt,
} from "./args.js";
import { compilerHost, hostCache, type ModuleLoader, moduleLoader } from "./compiler-host.js";
import { keepDecodeMemo } from "./decode-memo.js";
import { DEFAULT_TRACE_LIMIT, InsnTracer } from "./insn-trace.js";
import { err } from "./io.js";
import { parseRange, type TlbTraceFilter, TlbTracer } from "./tlb-trace.js";
import { translationStore } from "./translation-cache.js";

export const DEFAULT_MEM = 1 << 30;

export const HARTS_OPTION: OptionSpec = {
  name: "harts",
  kind: "value",
  valueName: "N",
  help: `number of harts, 1 to ${MAX_HARTS} (default 1)`,
};

export const TLB_OPTION: OptionSpec = {
  name: "tlb",
  kind: "value",
  valueName: "PRESET|FILE.json",
  help: `TLB of every hart: ${Object.keys(TLB_PRESETS).join(", ")} (default ${DEFAULT_TLB_PRESET}), or JSON`,
};

/** --satp; a command says in its own help what the mode does for it. */
export const SATP_OPTION: OptionSpec = {
  name: "satp",
  kind: "value",
  valueName: "MODE",
  choices: PAGING_MODES.map((m) => m.name),
  help: "paging mode: the only one a --bare guest may put in satp (default: any); the kernel uses sv48",
};

/** The options every machine-running command shares; guest runs (`guest`: run, demo) add
 *  --max-insns, --quiet and `--trace insn`. */
export function machineOptions(kinds: { guest: boolean }): OptionSpec[] {
  const traceKinds = kinds.guest ? ["insn", "tlb"] : ["tlb"];
  return [
    HARTS_OPTION,
    {
      name: "mem",
      kind: "value",
      valueName: "SIZE",
      help: "RAM size at 0x80000000: 64M, 512M, 1G... (default 1G, at most 4G; at least 1M under the kernel, 64K bare)",
    },
    TLB_OPTION,
    SATP_OPTION,
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
        ? "trace on stderr; insn: each instruction (under the kernel: every process's U-mode ones, the kernel being TypeScript); tlb: walks, fills, evictions, flushes"
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
          {
            name: "quiet",
            short: "q",
            kind: "flag",
            help: "no line on stderr saying why the run ended (nor at the head of --stats)",
          },
          {
            name: "jit",
            kind: "flag",
            help: "translate hot guest code to WebAssembly (the default; same output and counters)",
          },
          {
            name: "no-jit",
            kind: "flag",
            help: "run every instruction in the interpreter, no translation to WebAssembly",
          },
          {
            name: "jit-hot",
            kind: "value",
            valueName: "N",
            help: "translate (as --jit) the code a loop's back edge or a call reaches N times (default 1024)",
          },
          {
            name: "no-jit-cache",
            kind: "flag",
            help: "translate without the translation cache (neither read nor write $MMLAB_CACHE_DIR/jit)",
          },
          {
            name: "dump-jit",
            kind: "value",
            valueName: "DIR",
            help: "translate (as --jit) and write each region's WebAssembly text to DIR/*.wat",
          },
        ] as const)
      : []),
  ];
}

/** Options every machine-running command shares (run, demo). */
export const MACHINE_OPTIONS: readonly OptionSpec[] = machineOptions({ guest: true });

/** The machine (src/session's MachineSpec) and what the command prints about its run. */
export interface MachineConfig extends MachineSpec {
  stats: "off" | "table" | "json";
  trace: "insn" | "tlb" | null;
  traceLimit: number;
  traceFilter: TlbTraceFilter;
  quiet: boolean;
}

/** The translator's module, where the bundle holds it (bin/mmlab.js's loader). */
export const JIT_SOURCE = "src/cpu/jit/index.ts";

/** The translator, loaded through `modules` (the bundle's chunk of JIT_SOURCE). */
function loadedJit(modules: ModuleLoader): typeof Jit {
  const m = modules(JIT_SOURCE);
  if (m === null) throw new Error(`the bundle has no chunk for ${JIT_SOURCE} (rebuild: npm run build)`);
  return m as typeof Jit;
}

/** The machine configuration from parsed options; throws UsageError on a bad value. The
 *  options are checked in the order --help lists them. */
export function machineConfig(p: Parsed, command: string): MachineConfig {
  // The machines of the command line's commands sit in shared memory: no garbage collection
  // for its 1 GiB at start-up (src/mmu/arena.ts, setSharedArenas).
  setSharedArenas(true);
  // and their interpreters compiled through the code cache when bin/mmlab.js runs them
  const compiler = compilerHost();
  if (compiler) setGeneratedCompiler(compiler);
  // and the instruction words decoded by earlier runs taken from the cache directory
  keepDecodeMemo(hostCache());
  // and their translator loaded when a hart first needs it (a short program never does)
  const modules = moduleLoader();
  if (modules) setJitLoader(() => loadedJit(modules));
  const harts = hartsOpt(p, command);
  const mem = memOpt(p, command);
  const tlb = tlbOpt(p, command);
  const satp = satpOpt(p);
  const stats = statsOpt(p);
  const trace = traceOpts(p, command, harts);
  return {
    harts,
    mem,
    tlb,
    satp,
    maxInsns: countOpt(p, command, "max-insns") ?? Number.POSITIVE_INFINITY,
    stats,
    ...trace,
    quiet: flag(p, "quiet"),
    ...jitOpt(p, command, mem),
  };
}

/** Room the harts' state needs beside RAM in the arena (src/mmu/arena.ts), generously: a
 *  machine whose RAM leaves less cannot translate. */
const JIT_STATE_ROOM = 64 << 20;

/** The commands that translate by default (`boot` and `console` take no translation options
 *  and run none: boot runs the kernel's own tests, TypeScript with little guest code, and a
 *  console's short commands would each pay the translator's start-up). */
const TRANSLATING_COMMANDS: ReadonlySet<string> = new Set(["run", "demo"]);

/** Translation, on by default for run and demo on a machine that can (RAM leaving room for the
 *  harts' state in one WebAssembly memory; else silently off). --jit asks for it explicitly (a
 *  usage error on a machine that cannot), --dump-jit DIR too, and DIR is created with each
 *  region's text written to a file there; --jit-hot N too, with that heat threshold. --no-jit:
 *  no translation (with --jit, --dump-jit or --jit-hot: a usage error). */
function jitOpt(p: Parsed, command: string, mem: number): { jit?: JitSpec } {
  if (!TRANSLATING_COMMANDS.has(command)) return {};
  const dir = stringOpt(p, "dump-jit");
  const hotText = stringOpt(p, "jit-hot");
  if (flag(p, "no-jit")) {
    const other = flag(p, "jit")
      ? "--jit"
      : dir !== undefined
        ? "--dump-jit"
        : hotText !== undefined
          ? "--jit-hot"
          : null;
    if (other !== null) throw usageError(command, `'--no-jit' cannot go with '${other}'`);
    return {};
  }
  const hot =
    hotText === undefined
      ? {}
      : {
          hot: wholeNumberOpt(p, command, "jit-hot", {
            lo: 1,
            hi: 1 << 30,
            want: "expected a number from 1 to 2^30",
          })!,
        };
  const required = dir !== undefined || flag(p, "jit") || hotText !== undefined;
  if (mem > MAX_RAM - JIT_STATE_ROOM) {
    if (!required) return {}; // the default: this machine runs without
    const opt = dir !== undefined ? "--dump-jit" : hotText !== undefined ? "--jit-hot" : "--jit";
    throw usageError(
      command,
      `'${opt}' needs --mem below 4G: RAM and the harts' state share one 4 GiB WebAssembly memory`,
    );
  }
  const store = flag(p, "no-jit-cache") ? null : translationStore(hostCache());
  const opts = { required, ...hot, ...(store === null ? {} : { store }) };
  if (dir === undefined) return { jit: { dump: null, ...opts } };
  makeDirs(dir);
  return { jit: { dump: (name, text) => writeFileSync(join(dir, name), text), ...opts } };
}

/** --harts: 1 to MAX_HARTS (default 1). */
function hartsOpt(p: Parsed, command: string): number {
  const want = `expected a number from 1 to ${MAX_HARTS}`;
  return wholeNumberOpt(p, command, "harts", { lo: 1, hi: MAX_HARTS, want }) ?? 1;
}

/** --mem: a size from 64K to MAX_RAM, a whole number of pages (default DEFAULT_MEM). */
export function memOpt(p: Parsed, command: string): number {
  const text = stringOpt(p, "mem");
  if (text === undefined) return DEFAULT_MEM;
  const v = parseSize(text);
  if (v === undefined) throw badValue(command, "mem", text, "expected a size such as 64M or 1G");
  if (v < 64 * 1024 || v > MAX_RAM) throw badValue(command, "mem", text, "RAM must be from 64K to 4G");
  if (v % PAGE_SIZE !== 0) throw badValue(command, "mem", text, "RAM must be a multiple of 4K");
  return v;
}

/** --tlb: a preset name (a usage mistake when unknown) or a JSON file (an input error when it
 *  cannot be read or is not a TLB). */
export function tlbOpt(p: Parsed, command: string): TlbConfig {
  const text = stringOpt(p, "tlb") ?? DEFAULT_TLB_PRESET;
  try {
    return text.endsWith(".json") ? parseTlbConfig(readTlbJson(text), text) : loadTlbConfig(text);
  } catch (e) {
    const msg = (e as Error).message;
    if (!text.endsWith(".json")) {
      throw badValue(command, "tlb", text, msg.replace(/^unknown TLB preset '[^']*' /, "no such preset "));
    }
    throw new InputError(msg);
  }
}

/** The JSON of a user's TLB preset file (an Error naming the file when it cannot be read or
 *  parsed). */
function readTlbJson(file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder().decode(readHostFile(file, { max: MAX_TEXT_BYTES }));
  } catch (e) {
    throw new Error(`cannot read TLB preset ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** --satp (the parser has checked it is a mode's name), or null. */
export function satpOpt(p: Parsed): PagingMode | null {
  const text = stringOpt(p, "satp");
  return text === undefined ? null : pagingModeByName(text);
}

/** --stats: off, a table (bare --stats) or JSON (--stats=json). */
function statsOpt(p: Parsed): MachineConfig["stats"] {
  const stats = stringOpt(p, "stats", "table");
  return stats === undefined ? "off" : stats === "json" ? "json" : "table";
}

/** A count option (10M, 1e9, 1_000_000), undefined when absent. */
export function countOpt(p: Parsed, command: string, opt: string): number | undefined {
  const text = stringOpt(p, opt);
  if (text === undefined) return undefined;
  const v = parseCount(text);
  if (v === undefined) {
    throw badValue(command, opt, text, "expected a positive whole number such as 1000000 or 10M");
  }
  return v;
}

/** --trace, --trace-limit and the --trace tlb filters, each filter only with --trace tlb. */
function traceOpts(
  p: Parsed,
  command: string,
  harts: number,
): Pick<MachineConfig, "trace" | "traceLimit" | "traceFilter"> {
  const trace = stringOpt(p, "trace");
  const traceLimit = countOpt(p, command, "trace-limit") ?? DEFAULT_TRACE_LIMIT;
  if (flag(p, "trace-limit") && trace === undefined) {
    throw usageError(command, "'--trace-limit' needs '--trace insn' or '--trace tlb'");
  }
  for (const opt of ["trace-hart", "trace-kind", "trace-range"]) {
    if (flag(p, opt) && trace !== "tlb") throw usageError(command, `'--${opt}' needs '--trace tlb'`);
  }
  return {
    trace: trace === "insn" ? "insn" : trace === "tlb" ? "tlb" : null,
    traceLimit,
    traceFilter: traceFilter(p, command, harts),
  };
}

/** The --trace-hart, --trace-kind and --trace-range filters. */
function traceFilter(p: Parsed, command: string, harts: number): TlbTraceFilter {
  const filter: TlbTraceFilter = {};
  const want = `expected a hart number from 0 to ${harts - 1}`;
  const hart = wholeNumberOpt(p, command, "trace-hart", { lo: 0, hi: harts - 1, want });
  if (hart !== undefined) filter.hart = hart;
  const kind = stringOpt(p, "trace-kind");
  if (kind === "r" || kind === "w" || kind === "x") filter.kind = kind;
  const rangeText = stringOpt(p, "trace-range");
  if (rangeText !== undefined) {
    const range = parseRange(rangeText);
    if (!range) {
      const want = "expected START-END in hex with START <= END, such as 80000000-8000ffff";
      throw badValue(command, "trace-range", rangeText, want);
    }
    filter.range = range;
  }
  return filter;
}

/** Start `--trace tlb` on `machine` when asked; the caller stops it at the end. */
export function startTlbTrace(machine: Machine, cfg: MachineConfig): TlbTracer | null {
  return cfg.trace === "tlb" ? new TlbTracer(machine, cfg.traceLimit, cfg.traceFilter, err) : null;
}

/** Start `--trace insn` on `machine` when asked: the tracing interpreters go in through the
 *  statistics' timed wrapper when there is one (else the machine), and the plain ones come back
 *  at the trace limit. The caller flushes the tracer at the end. */
export function startInsnTrace(
  machine: Machine,
  cfg: MachineConfig,
  stats: StatsCollector | null,
): InsnTracer | null {
  if (cfg.trace !== "insn") return null;
  const tracer = new InsnTracer(machine, cfg.traceLimit, err);
  const use = (i: Interpreter): void => (stats ? stats.setInterpreter(i) : machine.setInterpreter(i));
  tracer.onLimit = () => use(interpreter);
  use(tracingInterpreter(tracer.trace));
  return tracer;
}
