// What an experiment is: a plan of independent points (plain data, so that a worker thread can
// run any of them), a function that runs one point and returns rows of numbers, the columns
// those rows have, the plots and the compact table drawn from a result. A result (ExpResult) is
// what NAME.json holds; plots and tables are drawn from it alone, so `mmlab exp plot FILE.json`
// redraws them without running anything.

import type { TlbConfig } from "../mmu/index.js";
import type { Shape } from "./shape.js";

/** One cell of a data row. */
export type Value = number | string | boolean | null;
/** One data point (or one of several rows a point produces). */
export type Row = Record<string, Value>;

export interface Column {
  key: string;
  /** What it is, with its unit. */
  description: string;
  /** What its cells hold (null where there is no value): numbers unless said. */
  kind?: "string" | "boolean";
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
  /** `mmlab exp sweep`: the program and the parameters to sweep (the other experiments ignore it). */
  sweep?: SweepSpec;
}

/** One point of a sweep as given on the command line or in a points file: what is not given
 *  takes the command line's value (or the default). */
export interface SweepPointSpec {
  /** A TLB preset's name or a JSON file. */
  tlb?: string;
  /** The kernel command line. */
  append?: string;
  harts?: number;
  satp?: string;
  /** The program's arguments. */
  args?: string[];
}

/** What `mmlab exp sweep` was asked to run: a program, once per point. */
export interface SweepSpec {
  /** The program's path, as typed (the guest's argv[0]). */
  program: string;
  args: string[];
  bare: boolean;
  /** The points, in order (the cross product of the options, or a points file), each once per
   *  repeat. */
  points: SweepPointSpec[];
  repeat: number;
  /** The environment (the default one, or --env values). */
  env: string[];
  /** --mount HOST:GUEST[:rw] values (rw: writes reach the host). */
  mounts: { host: string; guest: string; rw?: boolean }[];
  /** --max-insns, or null. */
  maxInsns: number | null;
  mem: number;
  /** Seed of getrandom() and AT_RANDOM. */
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

/** Which slice of the plan a shard ran, and where its rows come from. */
export interface ShardInfo {
  /** 1-based: the shard runs the points whose 0-based plan index i has i % count == index - 1. */
  index: number;
  count: number;
  /** Points in the whole plan. */
  points: number;
  /** The plan index of each row (rows[k] came from point rowPoints[k]). */
  rowPoints: number[];
}

/** Where a merged result's shards ran. */
export interface MergedShard {
  shard: string;
  host: HostInfo;
  elapsedSeconds: number;
  jobs: number;
}

/** NAME.json (or NAME.shard-I-of-N.json, a shard's partial result). */
export interface ExpResult {
  format: "mmlab-exp/1";
  experiment: string;
  quick: boolean;
  params: unknown;
  /** sha256 of the plan (experiment, quick, parameters and every point), canonical JSON. */
  planHash: string;
  /** Present in a shard's partial result. */
  shard?: ShardInfo;
  /** Present in a merged result: the shards it was made of. */
  merged?: MergedShard[];
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

/** What an experiment says about itself, typed or not. */
export interface ExperimentInfo {
  name: string;
  /** One line for `mmlab exp list`. */
  summary: string;
  /** A paragraph for `mmlab exp list`: what it runs, what it measures. */
  description: string;
  /** Which of the shared options it honours ("tlb", "satp"). */
  uses: readonly ("tlb" | "satp")[];
  columns: readonly Column[];
  /** What `params` holds in a saved result (checked before plots are drawn from one). */
  paramsShape: Shape;
}

/** The untyped face every experiment shows to the runner, the worker and the command. */
export interface Experiment extends ExperimentInfo {
  /** The parameters and the independent points; throws an Error with one line on a bad option. */
  plan(opts: RunOptions): { params: unknown; points: unknown[] };
  runPoint(params: unknown, point: unknown): Row[];
  plots(result: ExpResult): PlotSpec[];
  /** The compact tables (each: header row first), printed one after the other. */
  tables(result: ExpResult): string[][][];
  /** Lines printed after the table (what the numbers say). */
  notes(result: ExpResult): string[];
  /** Warnings for stderr (the sweep: a program whose output changed between points). */
  warnings(result: ExpResult): string[];
  /** The point in a few words, for the progress line. */
  describePoint(point: unknown): string;
  /** The columns of a whole result (the sweep's depend on the counters its rows have). */
  resultColumns(rows: readonly Row[]): Column[];
  /** The rows of the whole plan, in plan order, completed with what needs all of them (the
   *  sweep's output_differs); shards keep the rows as the points made them. */
  finishRows(rows: Row[]): Row[];
  /** Columns whose values differ from run to run (wall time): left out of determinism checks. */
  volatile: readonly string[];
}

/** An experiment with typed parameters P and points Q. */
export interface ExperimentDef<P, Q> extends ExperimentInfo {
  plan(opts: RunOptions): { params: P; points: Q[] };
  runPoint(params: P, point: Q): Row[];
  plots(rows: Row[], params: P): PlotSpec[];
  tables(rows: Row[], params: P): string[][][];
  notes?(rows: Row[], params: P): string[];
  warnings?(rows: Row[], params: P): string[];
  describePoint?(point: Q): string;
  resultColumns?(rows: readonly Row[]): Column[];
  finishRows?(rows: Row[]): Row[];
  volatile?: readonly string[];
}

/** Wrap a typed definition into an Experiment (params and points are plain data in between). */
export function defineExperiment<P, Q>(def: ExperimentDef<P, Q>): Experiment {
  return {
    name: def.name,
    summary: def.summary,
    description: def.description,
    uses: def.uses,
    columns: def.columns,
    paramsShape: def.paramsShape,
    plan: (opts) => def.plan(opts),
    runPoint: (params, point) => def.runPoint(params as P, point as Q),
    plots: (r) => def.plots(r.rows, r.params as P),
    tables: (r) => def.tables(r.rows, r.params as P),
    notes: (r) => def.notes?.(r.rows, r.params as P) ?? [],
    warnings: (r) => def.warnings?.(r.rows, r.params as P) ?? [],
    describePoint: (q) => def.describePoint?.(q as Q) ?? compactJson(q),
    resultColumns: (rows) => def.resultColumns?.(rows) ?? [...def.columns],
    finishRows: (rows) => def.finishRows?.(rows) ?? rows,
    volatile: def.volatile ?? [],
  };
}

/** A point as `key=value` words: {"size": 16384, "pages": "4k"} gives "size=16384 pages=4k". */
function compactJson(q: unknown): string {
  if (typeof q !== "object" || q === null) return JSON.stringify(q);
  return Object.entries(q)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

/** A bad option value for an experiment (one line; the command exits 2). */
export class ExpOptionError extends Error {
  override name = "ExpOptionError";
}

/** A saved result that cannot be read (one line; the command exits 2). */
export class ExpInputError extends Error {
  override name = "ExpInputError";
}
