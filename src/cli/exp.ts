// `mmlab exp`: list the experiments, run one (CSV, JSON, SVG plots and a table) or a sweep of
// the user's own program, run one shard of either (--shard I/N), merge the shards, or redraw the
// plots of a saved result. The experiments themselves live in src/exp.

import { availableParallelism, freemem } from "node:os";
import { join, resolve } from "node:path";
import {
  crossProduct,
  EXPERIMENTS,
  type Experiment,
  ExpInputError,
  ExpOptionError,
  type ExpResult,
  findExperiment,
  formatTable,
  mergeShards,
  ProgressBar,
  type ProgressEvent,
  ProgressLog,
  parseShard,
  readPointsFile,
  readResult,
  runExperiment,
  type Shard,
  SWEEP,
  type SweepPointSpec,
  type SweepSpec,
  shardFileBase,
  shardFiles,
  shardLabel,
  writeOutputs,
  writePlots,
  writeShardOutputs,
} from "../exp/index.js";
import { DEFAULT_TLB_PRESET, loadTlbConfig, PAGING_MODES } from "../mmu/index.js";
import { makeDirs } from "../session/index.js";
import {
  badValue,
  InputError,
  type Parsed,
  parseArgs,
  seedOpt,
  stringOpt,
  type UsageError,
  usageError,
  wholeNumberOpt,
} from "./args.js";
import { type Command, commandHelp, HELP_OPTION } from "./command.js";
import { err, isTerminal, out } from "./io.js";
import { APPEND_OPTION, checkKernelMem } from "./kernel-session.js";
import { countOpt, MAX_HARTS, memOpt, SATP_OPTION, TLB_OPTION, tlbOpt } from "./machine-config.js";
import { envOpt, mountsOpt, PROGRAM_FILE_OPTIONS, SEED_OPTION } from "./run-kernel.js";

export const DEFAULT_EXP_OUT = "out/exp";

const usage = (what: string): UsageError => usageError("exp", what);

/** Options only `mmlab exp sweep` takes. */
const SWEEP_ONLY = [
  "bare",
  "append",
  "harts",
  "repeat",
  "mount",
  "env",
  "clear-env",
  "max-insns",
  "mem",
  "points",
];

/** --jobs: 1 to 64 worker threads (default: one per CPU, at most 8 and one per GiB of free
 *  memory: a point may take a few hundred MiB). */
function jobsOpt(p: Parsed): number {
  const want = "expected a number of worker threads from 1 to 64";
  const jobs = wholeNumberOpt(p, "exp", "jobs", { lo: 1, hi: 64, want });
  return jobs ?? Math.max(1, Math.min(availableParallelism(), 8, Math.floor(freemem() / 2 ** 30)));
}

/** The values of a list option: every `--NAME A,B` and each repetition, split at commas. */
function listOpt(p: Parsed, name: string): string[] {
  const values = (p.multi.get(name) ?? []).flatMap((v) => v.split(","));
  if (values.some((v) => v.trim() === ""))
    throw badValue("exp", name, (p.multi.get(name) ?? []).join(","), "expected a list of values A,B,C");
  return values.map((v) => v.trim());
}

/** The paging modes of --satp, each checked. */
function satpList(p: Parsed): string[] {
  const modes: string[] = PAGING_MODES.map((m) => m.name);
  const values = listOpt(p, "satp");
  for (const v of values)
    if (!modes.includes(v))
      throw badValue("exp", "satp", v, `expected ${modes.map((m) => `'${m}'`).join(", ")}`);
  return values;
}

/** One value of an option that a built-in experiment takes once. */
function single(exp: Experiment, name: string, values: string[]): void {
  if (values.length > 1)
    throw usage(
      `${exp.name} takes one '--${name}' (a list of them is for 'mmlab exp sweep'): got ${values.join(",")}`,
    );
}

/** --satp's mode name, or null; an experiment that runs the kernel takes only sv48. */
function expSatpOpt(p: Parsed, exp: Experiment): string | null {
  const modes = satpList(p);
  single(exp, "satp", modes);
  const mode = modes[0] ?? null;
  if (mode && !exp.uses.includes("satp") && mode !== "sv48") {
    throw usage(`${exp.name} runs the kernel, which uses sv48: '--satp ${mode}' does not apply`);
  }
  return mode;
}

/** --shard I/N, or null. */
function shardOpt(p: Parsed): Shard | null {
  const text = stringOpt(p, "shard");
  if (text === undefined) return null;
  try {
    return parseShard(text);
  } catch (e) {
    if (e instanceof ExpOptionError) throw usage(e.message);
    throw e;
  }
}

function listText(): string {
  const width = Math.max(...EXPERIMENTS.map((e) => e.name.length)) + 2;
  const lines = [
    "Experiments (mmlab exp NAME [--quick] [--out DIR] [--jobs N] [--tlb PRESET] [--satp MODE]):",
    "",
  ];
  for (const e of EXPERIMENTS) {
    lines.push(`${e.name.padEnd(width)}${e.summary}`);
    const uses = e.uses.length ? e.uses.map((u) => `--${u}`).join(", ") : "none";
    const text = `${e.description.trim()} Options besides --quick, --out, --jobs, --seed, --shard, --resume: ${uses}.`;
    for (const l of wrap(text, 96 - width)) lines.push(`${" ".repeat(width)}${l}`);
    lines.push("");
  }
  lines.push("Your own program (mmlab exp sweep [options] -- PROGRAM [ARGS...]):", "");
  lines.push(`${SWEEP.name.padEnd(width)}${SWEEP.summary}`);
  for (const l of wrap(SWEEP.description.trim(), 96 - width)) lines.push(`${" ".repeat(width)}${l}`);
  lines.push("");
  lines.push(
    "Shards of any of them: --shard I/N on N machines, then mmlab exp merge DIR... (docs/experiments.md).",
  );
  return `${lines.join("\n")}`;
}

/** Run `fn`, which writes into `dir`; a file-system error becomes one line (exit status 2). */
async function writing<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    if (typeof error.code === "string" && typeof error.message === "string")
      throw new InputError(
        `${dir}: cannot write the results: ${error.code}${error.path ? ` (${error.path})` : ""}`,
      );
    throw e;
  }
}

/** Run `fn`; the experiment layer's one-line errors become the command's. */
async function expErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ExpOptionError) throw usage(e.message);
    if (e instanceof ExpInputError) throw new InputError(e.message);
    throw e;
  }
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Print the tables and notes of a result, and its warnings on stderr. */
function report(exp: Experiment, result: ExpResult): void {
  const parts = exp.tables(result).map((t) => formatTable(t));
  const notes = exp.notes(result);
  const how = result.merged ? ` (merged from ${result.merged.length} shards)` : "";
  out(
    `${exp.name}${result.quick ? " (--quick)" : ""}: ${result.rows.length} rows in ${result.elapsedSeconds} s${how}\n\n`,
  );
  out(parts.join("\n"));
  if (notes.length) out(`\n${notes.join("\n")}\n`);
  warn(exp, result);
}

function warn(exp: Experiment, result: ExpResult): void {
  for (const w of exp.warnings(result)) err(`mmlab exp ${exp.name}: warning: ${w}\n`);
}

/** The progress display: a bar on a terminal; elsewhere one line per point for a sweep (the
 *  built-in experiments stay quiet). Counts and the ETA are of the points this run runs (not
 *  those taken from the journal). */
function progressDisplay(exp: Experiment): { event: (e: ProgressEvent) => void; clear: () => void } {
  const label = `mmlab exp ${exp.name}`;
  const tty = isTerminal(2);
  let bar: ProgressBar | null = null;
  let log: ProgressLog | null = null;
  let resumed = 0;
  let done = 0;
  const event = (e: ProgressEvent): void => {
    if (e.kind === "plan") {
      resumed = e.resumed;
      const todo = e.total - e.resumed;
      const from = e.resumed ? `${e.resumed} of ${e.total} points done, from the journal ${e.journal}` : "";
      if (tty) {
        bar = new ProgressBar(label, todo);
        if (from) err(`${label}: ${from}\n`);
      } else if (exp === SWEEP) {
        log = new ProgressLog(label, todo, err);
        err(
          `${label}: ${todo} points to run${from ? ` (${from})` : e.journal ? `; journal ${e.journal}` : ""}\n`,
        );
      }
    } else if (e.kind === "start") {
      bar?.update(done, e.label);
    } else {
      done = e.done - resumed;
      bar?.update(done);
      log?.done(done, e.label);
    }
  };
  return { event, clear: () => bar?.clear() };
}

/** --mem of a sweep under the kernel: at least the kernel's minimum. */
function kernelMemOpt(p: Parsed): number {
  const mem = memOpt(p, "exp");
  checkKernelMem(mem, "exp");
  return mem;
}

/** The sweep's program and points, from the options and the positionals after `sweep`. */
async function sweepSpec(p: Parsed, rest: string[]): Promise<SweepSpec> {
  const [program, ...args] = rest;
  if (program === undefined)
    throw usage("sweep needs a program: mmlab exp sweep [options] -- PROGRAM [ARGS...]");
  const bare = p.options.has("bare");
  if (bare)
    for (const o of ["env", "clear-env", "mount"])
      if (p.options.has(o)) throw usage(`'--${o}' is for the kernel, not --bare`);
  const want = "expected a whole number from 1 to 1000000";
  const repeatOpt = wholeNumberOpt(p, "exp", "repeat", { lo: 1, hi: 1_000_000, want });
  let points: SweepPointSpec[];
  let repeat = repeatOpt ?? 1;
  const file = stringOpt(p, "points");
  if (file !== undefined) {
    for (const o of ["tlb", "append", "harts", "satp"])
      if (p.options.has(o)) throw usage(`--points gives the points: leave out '--${o}'`);
    const f = await expErrors(() => readPointsFile(file));
    if (f.repeat !== null && repeatOpt !== undefined)
      throw usage(`${file} sets "repeat": leave out '--repeat'`);
    points = f.points;
    repeat = f.repeat ?? repeat;
  } else {
    const harts = listOpt(p, "harts").map((h) => {
      const n = /^\d+$/.test(h) ? Number(h) : Number.NaN;
      if (!(n >= 1 && n <= MAX_HARTS))
        throw badValue("exp", "harts", h, `expected numbers from 1 to ${MAX_HARTS}`);
      return n;
    });
    points = crossProduct({
      tlb: listOpt(p, "tlb"),
      append: p.multi.get("append") ?? [],
      harts,
      satp: satpList(p),
    });
  }
  const maxInsns = countOpt(p, "exp", "max-insns");
  return {
    program,
    args,
    bare,
    points,
    repeat,
    env: bare ? [] : envOpt(p, "exp"),
    mounts: bare ? [] : mountsOpt(p, "exp"),
    maxInsns: maxInsns ?? null,
    mem: bare ? memOpt(p, "exp") : kernelMemOpt(p),
    seed: seedOpt(p, "exp") ?? 1,
  };
}

/** Run `exp` (a built-in one, or the sweep with `sweep`): the whole plan, or one shard. */
async function runOne(exp: Experiment, p: Parsed, sweep?: SweepSpec): Promise<number> {
  const quick = p.options.has("quick");
  if (sweep && quick)
    throw usage("--quick is for the built-in experiments: a sweep runs its points as given");
  const jobs = jobsOpt(p);
  const seed = seedOpt(p, "exp") ?? 1;
  const satp = sweep ? null : expSatpOpt(p, exp);
  if (!sweep) single(exp, "tlb", listOpt(p, "tlb"));
  const tlb = sweep ? loadTlbConfig(DEFAULT_TLB_PRESET) : tlbOpt(p, "exp");
  const shard = shardOpt(p);
  const dir = stringOpt(p, "out") ?? DEFAULT_EXP_OUT;
  if (dir === "") throw badValue("exp", "out", dir, "expected a directory");
  await writing(dir, async () => makeDirs(dir)); // before a long run, not after
  const journal = join(dir, `${shard ? shardFileBase(exp.name, shard) : exp.name}.journal.jsonl`);
  const progress = progressDisplay(exp);
  let result: ExpResult;
  try {
    result = await expErrors(() =>
      writing(dir, () =>
        runExperiment(exp, {
          quick,
          tlb,
          satp,
          seed,
          jobs,
          shard,
          journal,
          resume: p.options.has("resume"),
          progress: progress.event,
          ...(sweep ? { sweep } : {}),
        }),
      ),
    );
  } finally {
    progress.clear();
  }
  if (shard) {
    const files = await writing(dir, async () => writeShardOutputs(result, dir));
    warn(exp, result);
    out(
      `${exp.name}: shard ${shardLabel(shard)}: ${result.rows.length} rows of ${result.shard?.points} points ` +
        `in ${result.elapsedSeconds} s (merge the shards with: mmlab exp merge DIR...)\nwrote ${files.join(", ")}\n`,
    );
    return 0;
  }
  const files = await writing(dir, () => writeOutputs(exp, result, dir));
  report(exp, result);
  out(`\nwrote ${files.join(", ")}\n`);
  return 0;
}

async function plot(p: Parsed, rest: string[]): Promise<number> {
  const [file, extra] = rest;
  if (file === undefined) throw usage("'plot' needs a result file: mmlab exp plot out/exp/NAME.json");
  if (extra !== undefined) throw usage(`unexpected argument '${extra}' after '${file}'`);
  const loaded = await expErrors(async () => readResult(file));
  const dir = stringOpt(p, "out") ?? resolve(file, "..");
  const files = await writing(dir, async () => {
    try {
      return await writePlots(loaded.exp, loaded.result, dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code) throw e;
      throw new InputError(`${file}: cannot draw its plots: ${(e as Error).message}`);
    }
  });
  out(`wrote ${files.join(", ")}\n`);
  return 0;
}

/** `mmlab exp merge DIR|FILE...`: the shards' results into the whole run's. */
async function merge(p: Parsed, rest: string[]): Promise<number> {
  if (rest.length === 0)
    throw usage("'merge' needs the shards' directories or files: mmlab exp merge DIR...");
  const { exp, result } = await expErrors(async () => mergeShards(shardFiles(rest)));
  const dir = stringOpt(p, "out") ?? DEFAULT_EXP_OUT;
  const files = await writing(dir, () => writeOutputs(exp, result, dir));
  report(exp, result);
  out(`\nwrote ${files.join(", ")}\n`);
  return 0;
}

/** Refuse the options that `what` does not take. */
function checkOptions(p: Parsed, what: string): void {
  const allowed: Record<string, string[]> = {
    list: [],
    plot: ["out"],
    merge: ["out"],
  };
  const only = allowed[what];
  for (const o of p.options.keys()) {
    if (only && !only.includes(o)) throw usage(`'--${o}' does not apply to 'mmlab exp ${what}'`);
    if (!only && what !== SWEEP.name && SWEEP_ONLY.includes(o))
      throw usage(`'--${o}' is for 'mmlab exp sweep', not ${what}`);
  }
}

/** The options after the experiment's name (parsed again: for a sweep, options end at PROGRAM),
 *  joined with those before it. */
function reparse(outer: Parsed, what: string, rest: string[]): Parsed {
  const inner = parseArgs(rest, {
    command: "exp",
    options: [...EXP_OPTIONS, HELP_OPTION],
    stopAtPositional: what === SWEEP.name,
  });
  const options = new Map([...outer.options, ...inner.options]);
  const multi = new Map(outer.multi);
  for (const [k, v] of inner.multi) multi.set(k, [...(multi.get(k) ?? []), ...v]);
  return { options, multi, positionals: inner.positionals };
}

const EXP_OPTIONS: Command["options"] = [
  {
    name: "quick",
    kind: "flag",
    help: "fewer points and shorter runs (built-in experiments): seconds on a quiet machine",
  },
  {
    name: "out",
    kind: "value",
    valueName: "DIR",
    help: `where to write NAME.csv, NAME.json, the plots and the journal (default ${DEFAULT_EXP_OUT})`,
  },
  {
    name: "jobs",
    short: "j",
    kind: "value",
    valueName: "N",
    help: "worker threads (default: one per CPU, at most 8)",
  },
  { ...TLB_OPTION, repeat: true, help: `${TLB_OPTION.help}; sweep: a list A,B` },
  {
    ...SATP_OPTION,
    choices: undefined,
    repeat: true,
    help: "paging mode sv39, sv48 or sv57 (tlb-reach: default sv48; walk-cost: only this mode); sweep: a list, --bare only",
  },
  {
    ...SEED_OPTION,
    help: "seed of the random permutations (sweep: of getrandom() and AT_RANDOM) (default 1)",
  },
  {
    name: "shard",
    kind: "value",
    valueName: "I/N",
    help: "run only shard I of N (1-based: points i with i mod N = I-1), a partial result to merge",
  },
  { name: "resume", kind: "flag", help: "go on from the journal in --out: run only the points it lacks" },
  { name: "bare", kind: "flag", help: "sweep: run PROGRAM with no kernel (a bare-metal guest)" },
  {
    ...APPEND_OPTION,
    repeat: true,
    help: "sweep: a kernel command line; each --append is one value of the sweep",
  },
  {
    name: "harts",
    kind: "value",
    valueName: "N,M",
    repeat: true,
    help: "sweep: harts, a list 1,2,4 (default 1)",
  },
  { name: "repeat", kind: "value", valueName: "N", help: "sweep: run each point N times (default 1)" },
  {
    name: "points",
    kind: "value",
    valueName: "FILE",
    help: "sweep: the points from a JSON or YAML file (a list of points or a cross product)",
  },
  ...PROGRAM_FILE_OPTIONS.map((o) => ({ ...o, help: `sweep: ${o.help}` })),
  {
    name: "max-insns",
    kind: "value",
    valueName: "N",
    help: "sweep: stop each run after N instructions (status 124)",
  },
  { name: "mem", kind: "value", valueName: "SIZE", help: "sweep: RAM size (default 1G)" },
];

export const expCommand: Command = {
  name: "exp",
  summary: "run an experiment (TLB reach, vrealloc, lazy purge, walk cost, THP) or a sweep of your program",
  usage: [
    "mmlab exp list",
    "mmlab exp NAME [--quick] [--out DIR] [--jobs N] [--tlb PRESET|FILE.json] [--satp MODE] [--seed N]",
    "mmlab exp sweep [--tlb A,B] [--append CMDLINE]... [--harts 1,2] [--satp MODES] [--repeat N] [--bare] -- PROGRAM [ARGS...]",
    "mmlab exp NAME|sweep ... --shard I/N [--resume]",
    "mmlab exp merge DIR|FILE... [--out DIR]",
    "mmlab exp plot FILE.json [--out DIR]",
  ],
  description: `
Runs one experiment on the emulated machine and writes DIR/NAME.csv (one line per data point),
DIR/NAME.json (the parameters, the host: Node version, CPU model, date; and every data point)
and SVG plots (DIR/NAME.svg, DIR/NAME-*.svg), then prints a compact table and what the numbers
say. Independent points run in parallel on worker threads (--jobs); the results do not depend on
it: every point is seeded (--seed) and deterministic. A progress bar shows on stderr during long
sweeps when stderr is a terminal. 'mmlab exp plot FILE.json' redraws the plots of a saved result
next to it (or into --out). 'mmlab exp list' describes the experiments:
${EXPERIMENTS.map((e) => `  ${e.name.padEnd(10)} ${e.summary}`).join("\n")}

'mmlab exp sweep' runs your own PROGRAM (under the kernel, or --bare) once per point of the cross
product of --tlb A,B, --append (each one value), --harts 1,2,4 and --satp (--bare), or of the
points of a --points FILE.json|FILE.yaml, exactly as 'mmlab run' runs it, its output captured:
DIR/sweep.csv and sweep.json have per point the parameters, the exit status, instructions,
cycles, every perf event, the kernel's vmstat deltas, the wall time and a hash of the program's
stdout; a program whose output differs between points is reported.

Every finished point is appended to DIR/NAME.journal.jsonl; --resume runs only the points the
journal lacks (a journal of other parameters is refused). --shard I/N runs the points whose
0-based index i has i mod N = I-1 and writes DIR/NAME.shard-I-of-N.json and .csv; 'mmlab exp
merge DIR...' checks that the shards are one run's, none missing or twice, and writes what a
single run writes. Spread the shards with GNU parallel, a Slurm job array or a Kubernetes
Indexed Job (docs/experiments.md).`,
  options: EXP_OPTIONS,
  examples: [
    "mmlab exp list",
    "mmlab exp tlb-reach --quick",
    "mmlab exp tlb-reach --tlb zen2 --satp sv39 --out out/zen2",
    "mmlab exp tlb-reach --tlb examples/my-core.json",
    "mmlab exp vrealloc --jobs 4",
    "mmlab exp plot out/exp/tlb-reach.json",
    "mmlab exp sweep --tlb skylake,zen2 --append transparent_hugepage=never --append transparent_hugepage=always -- guests/bin/ptrchase.glibc.elf 8m 4096 200000",
    "mmlab exp sweep --points examples/points.yaml --resume -- guests/bin/ptrchase.glibc.elf",
    "parallel -j 4 mmlab exp walk-cost --shard {}/4 ::: 1 2 3 4 && mmlab exp merge out/exp",
  ],
  stopAtPositional: true,
  async run(outer: Parsed): Promise<number> {
    const [what, ...after] = outer.positionals;
    if (what === undefined) throw usage("no experiment given: mmlab exp list shows them");
    const p = reparse(outer, what, after);
    if (p.options.has("help")) {
      out(commandHelp(expCommand));
      return 0;
    }
    const rest = p.positionals;
    if (what === "list") {
      checkOptions(p, what);
      if (rest.length) throw usage(`unexpected argument '${rest[0]}' after 'list'`);
      out(`${listText()}\n`);
      return 0;
    }
    if (what === "plot" || what === "merge") {
      checkOptions(p, what);
      return what === "plot" ? plot(p, rest) : merge(p, rest);
    }
    const exp = findExperiment(what);
    if (!exp) {
      throw usage(
        `unknown experiment '${what}': the experiments are ${EXPERIMENTS.map((e) => e.name).join(", ")}, and sweep`,
      );
    }
    checkOptions(p, what);
    if (exp === SWEEP) return runOne(exp, p, await sweepSpec(p, rest));
    if (rest.length) throw usage(`unexpected argument '${rest[0]}' after '${what}'`);
    return runOne(exp, p);
  },
};
