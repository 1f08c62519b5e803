// What an experiment is: a plan of independent points (plain data, so that a worker thread can
// run any of them), a function that runs one point and returns rows of numbers, the columns
// those rows have, the plots and the compact table drawn from a result. A result (ExpResult) is
// what NAME.json holds; plots and tables are drawn from it alone, so `mmlab exp plot FILE.json`
// redraws them without running anything.

import type { TlbConfig } from "../mmu/index.js";

/** One cell of a data row. */
export type Value = number | string | boolean | null;
/** One data point (or one of several rows a point produces). */
export type Row = Record<string, Value>;

export interface Column {
  key: string;
  /** What it is, with its unit. */
  description: string;
}

/** What the user chose on the command line. */
export interface RunOptions {
  quick: boolean;
  /** Tests only: the fewest and shortest points that still fill every column (implies quick). */
  test?: boolean;
  /** The TLB of every hart, resolved (preset or JSON file). */
  tlb: TlbConfig;
  /** --satp: "sv39", "sv48" or "sv57", or null for the experiment's default. */
  satp: string | null;
  seed: number;
}

/** The machine the experiment ran on. */
export interface HostInfo {
  node: string;
  cpu: string;
  cpus: number;
  platform: string;
  arch: string;
  memoryBytes: number;
  date: string;
  mmlab: string;
}

/** NAME.json. */
export interface ExpResult {
  format: "mmlab-exp/1";
  experiment: string;
  quick: boolean;
  params: unknown;
  host: HostInfo;
  /** Wall time of the run (not part of the data: the rows are deterministic). */
  elapsedSeconds: number;
  jobs: number;
  columns: Column[];
  rows: Row[];
}

/** A vega-lite specification as plain data (vega-lite checks it when it compiles it). */
export type VlSpec = Record<string, unknown>;

/** A plot: written as DIR/NAME.svg (suffix "") or DIR/NAME-SUFFIX.svg. */
export interface PlotSpec {
  suffix: string;
  spec: VlSpec;
}

/** The untyped face every experiment shows to the runner, the worker and the command. */
export interface Experiment {
  name: string;
  /** One line for `mmlab exp list`. */
  summary: string;
  /** A paragraph for `mmlab exp list`: what it runs, what it measures. */
  description: string;
  /** Which of the shared options it honours ("tlb", "satp"). */
  uses: readonly ("tlb" | "satp")[];
  columns: readonly Column[];
  /** The parameters and the independent points; throws an Error with one line on a bad option. */
  plan(opts: RunOptions): { params: unknown; points: unknown[] };
  runPoint(params: unknown, point: unknown): Row[];
  plots(result: ExpResult): PlotSpec[];
  /** The compact tables (each: header row first), printed one after the other. */
  tables(result: ExpResult): string[][][];
  /** Lines printed after the table (what the numbers say). */
  notes(result: ExpResult): string[];
}

/** An experiment with typed parameters P and points Q. */
export interface ExperimentDef<P, Q> {
  name: string;
  summary: string;
  description: string;
  uses: readonly ("tlb" | "satp")[];
  columns: readonly Column[];
  plan(opts: RunOptions): { params: P; points: Q[] };
  runPoint(params: P, point: Q): Row[];
  plots(rows: Row[], params: P): PlotSpec[];
  tables(rows: Row[], params: P): string[][][];
  notes?(rows: Row[], params: P): string[];
}

/** Wrap a typed definition into an Experiment (params and points are plain data in between). */
export function defineExperiment<P, Q>(def: ExperimentDef<P, Q>): Experiment {
  return {
    name: def.name,
    summary: def.summary,
    description: def.description,
    uses: def.uses,
    columns: def.columns,
    plan: (opts) => def.plan(opts),
    runPoint: (params, point) => def.runPoint(params as P, point as Q),
    plots: (r) => def.plots(r.rows, r.params as P),
    tables: (r) => def.tables(r.rows, r.params as P),
    notes: (r) => def.notes?.(r.rows, r.params as P) ?? [],
  };
}

/** A bad option value for an experiment (one line; the command exits 2). */
export class ExpOptionError extends Error {
  override name = "ExpOptionError";
}

/** A saved result that cannot be read (one line; the command exits 2). */
export class ExpInputError extends Error {
  override name = "ExpInputError";
}
