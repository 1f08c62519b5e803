// `mmlab exp`: list the experiments, run one (CSV, JSON, SVG plots and a table), or redraw the
// plots of a saved result. The experiments themselves live in src/exp.

import { mkdirSync } from "node:fs";
import { availableParallelism, freemem } from "node:os";
import { resolve } from "node:path";
import {
  EXPERIMENTS,
  type Experiment,
  ExpInputError,
  ExpOptionError,
  type ExpResult,
  findExperiment,
  formatTable,
  ProgressBar,
  readResult,
  runExperiment,
  writeOutputs,
  writePlots,
} from "../exp/index.js";
import {
  badValue,
  InputError,
  type Parsed,
  seedOpt,
  stringOpt,
  type UsageError,
  usageError,
  wholeNumberOpt,
} from "./args.js";
import type { Command } from "./command.js";
import { out } from "./io.js";
import { SATP_OPTION, satpOpt, TLB_OPTION, tlbOpt } from "./machine-config.js";

export const DEFAULT_EXP_OUT = "out/exp";

const usage = (what: string): UsageError => usageError("exp", what);

/** --jobs: 1 to 64 worker threads (default: one per CPU, at most 8 and one per GiB of free
 *  memory: a point may take a few hundred MiB). */
function jobsOpt(p: Parsed): number {
  const want = "expected a number of worker threads from 1 to 64";
  const jobs = wholeNumberOpt(p, "exp", "jobs", { lo: 1, hi: 64, want });
  return jobs ?? Math.max(1, Math.min(availableParallelism(), 8, Math.floor(freemem() / 2 ** 30)));
}

/** --satp's mode name, or null; an experiment that runs the kernel takes only sv48. */
function expSatpOpt(p: Parsed, exp: Experiment): string | null {
  const mode = satpOpt(p);
  if (mode && !exp.uses.includes("satp") && mode.name !== "sv48") {
    throw usage(`${exp.name} runs the kernel, which uses sv48: '--satp ${mode.name}' does not apply`);
  }
  return mode?.name ?? null;
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
    const text = `${e.description.trim()} Options besides --quick, --out, --jobs, --seed: ${uses}.`;
    for (const l of wrap(text, 96 - width)) lines.push(`${" ".repeat(width)}${l}`);
    lines.push("");
  }
  return `${lines.join("\n")}`;
}

/** Run `fn`, which writes into `dir`; a file-system error becomes one line (exit status 2). */
async function writing<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === "string" && typeof err.message === "string")
      throw new InputError(
        `${dir}: cannot write the results: ${err.code}${err.path ? ` (${err.path})` : ""}`,
      );
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

/** Print the tables and notes of a result. */
function report(exp: Experiment, result: ExpResult): void {
  const parts = exp.tables(result).map((t) => formatTable(t));
  const notes = exp.notes(result);
  out(
    `${exp.name}${result.quick ? " (--quick)" : ""}: ${result.rows.length} rows in ${result.elapsedSeconds} s\n\n`,
  );
  out(parts.join("\n"));
  if (notes.length) out(`\n${notes.join("\n")}\n`);
}

async function runOne(exp: Experiment, p: Parsed): Promise<number> {
  const quick = p.options.has("quick");
  const jobs = jobsOpt(p);
  const seed = seedOpt(p, "exp") ?? 1;
  const satp = expSatpOpt(p, exp);
  const tlb = tlbOpt(p, "exp");
  const dir = stringOpt(p, "out") ?? DEFAULT_EXP_OUT;
  if (dir === "") throw badValue("exp", "out", dir, "expected a directory");
  await writing(dir, async () => mkdirSync(dir, { recursive: true })); // before a long run, not after
  const bar: { current: ProgressBar | null } = { current: null };
  let result: ExpResult;
  try {
    result = await runExperiment(exp, {
      quick,
      tlb,
      satp,
      seed,
      jobs,
      progress: (done, total) => {
        bar.current ??= new ProgressBar(`mmlab exp ${exp.name}`, total);
        bar.current.update(done);
      },
    });
  } catch (e) {
    if (e instanceof ExpOptionError) throw usage(e.message);
    throw e;
  } finally {
    bar.current?.clear();
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
  let loaded: ReturnType<typeof readResult>;
  try {
    loaded = readResult(file);
  } catch (e) {
    if (e instanceof ExpInputError) throw new InputError(e.message);
    throw e;
  }
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

export const expCommand: Command = {
  name: "exp",
  summary: "run an experiment (TLB reach, vrealloc, lazy purge, walk cost, THP): CSV, JSON, SVG plots",
  usage: [
    "mmlab exp list",
    "mmlab exp NAME [--quick] [--out DIR] [--jobs N] [--tlb PRESET|FILE.json] [--satp MODE] [--seed N]",
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
${EXPERIMENTS.map((e) => `  ${e.name.padEnd(10)} ${e.summary}`).join("\n")}`,
  options: [
    { name: "quick", kind: "flag", help: "fewer points and shorter runs: under a minute" },
    {
      name: "out",
      kind: "value",
      valueName: "DIR",
      help: `where to write NAME.csv, NAME.json and the plots (default ${DEFAULT_EXP_OUT})`,
    },
    {
      name: "jobs",
      short: "j",
      kind: "value",
      valueName: "N",
      help: "worker threads (default: one per CPU, at most 8)",
    },
    TLB_OPTION,
    {
      ...SATP_OPTION,
      help: "paging mode sv39, sv48 or sv57 (tlb-reach: default sv48; walk-cost: only this mode)",
    },
    { name: "seed", kind: "value", valueName: "N", help: "seed of the random permutations (default 1)" },
  ],
  examples: [
    "mmlab exp list",
    "mmlab exp tlb-reach --quick",
    "mmlab exp tlb-reach --tlb zen2 --satp sv39 --out out/zen2",
    "mmlab exp tlb-reach --tlb my-core.json",
    "mmlab exp vrealloc --jobs 4",
    "mmlab exp plot out/exp/tlb-reach.json",
  ],
  async run(p: Parsed): Promise<number> {
    const [what, ...rest] = p.positionals;
    if (what === undefined) throw usage("no experiment given: mmlab exp list shows them");
    if (what === "list") {
      if (rest.length) throw usage(`unexpected argument '${rest[0]}' after 'list'`);
      out(`${listText()}\n`);
      return 0;
    }
    if (what === "plot") return plot(p, rest);
    const exp = findExperiment(what);
    if (!exp) {
      throw usage(
        `unknown experiment '${what}': the experiments are ${EXPERIMENTS.map((e) => e.name).join(", ")}`,
      );
    }
    if (rest.length) throw usage(`unexpected argument '${rest[0]}' after '${what}'`);
    return runOne(exp, p);
  },
};
