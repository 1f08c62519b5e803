// Running an experiment end to end: plan, pick the shard's points, take the finished ones from
// the journal (--resume), run the others (in parallel where possible) while the journal records
// each one, and gather the rows with the parameters and the host into an ExpResult; and reading
// a saved one back.

import { loadAssembler, MAX_TEXT_BYTES, readHostFile } from "../session/index.js";
import { JOURNAL_FORMAT, Journal, type JournalHeader } from "./journal.js";
import { planHash, type Shard, shardIndices, shardLabel } from "./plan.js";
import { runPoints } from "./pool.js";
import { findExperiment } from "./registry.js";
import { hostInfo } from "./report.js";
import { checkRows, checkShape, type Shape } from "./shape.js";
import { type Experiment, ExpInputError, type ExpResult, type Row, type RunOptions } from "./types.js";

/** What a run tells its progress display. */
export type ProgressEvent =
  /** The plan: `total` points to run in this run, `resumed` of them found in the journal. */
  | { kind: "plan"; total: number; resumed: number; journal: string | null }
  /** Point `index` (plan index) started; `label` says what it is. */
  | { kind: "start"; index: number; label: string }
  /** Point `index` finished; `done` of `total` are now finished. */
  | { kind: "done"; index: number; label: string; done: number; total: number };

export interface ExpRunOptions extends RunOptions {
  /** Worker threads (1: run in this thread). */
  jobs: number;
  /** Run only this slice of the points (a partial result). */
  shard?: Shard | null;
  /** The journal to write (null: none); with `resume`, the finished points it holds are kept. */
  journal?: string | null;
  resume?: boolean;
  progress?: (e: ProgressEvent) => void;
}

/** Run `exp` with `opts`. */
export async function runExperiment(exp: Experiment, opts: ExpRunOptions): Promise<ExpResult> {
  const t0 = performance.now();
  await loadAssembler(); // a sweep's program may be assembly (src/session loads it on demand)
  const quick = opts.quick || opts.test === true;
  const { params, points } = exp.plan(opts);
  const hash = planHash(exp.name, quick, params, points);
  const shard = opts.shard ?? null;
  const indices = shardIndices(points.length, shard);
  const { journal, done } = openJournal(opts, {
    format: JOURNAL_FORMAT,
    experiment: exp.name,
    planHash: hash,
    shard: shard ? shardLabel(shard) : null,
    points: points.length,
    params,
  });
  const todo = indices.filter((i) => !done.has(i)).map((index) => ({ index, point: points[index] }));
  const label = (i: number): string => exp.describePoint(points[i]);
  const progress = opts.progress ?? (() => {});
  progress({
    kind: "plan",
    total: indices.length,
    resumed: indices.length - todo.length,
    journal: journal?.path ?? null,
  });
  let finished = indices.length - todo.length;
  let workers: number;
  try {
    const run = await runPoints(exp, params, todo, opts.jobs, {
      started: (index) => progress({ kind: "start", index, label: label(index) }),
      done: (index, rows) => {
        journal?.append(index, rows);
        done.set(index, rows);
        progress({ kind: "done", index, label: label(index), done: ++finished, total: indices.length });
      },
    });
    workers = run.workers;
  } finally {
    journal?.close();
  }
  const rows = indices.flatMap((i) => done.get(i)!);
  const rowPoints = indices.flatMap((i) => done.get(i)!.map(() => i));
  const all = shard ? rows : exp.finishRows(rows);
  return {
    format: "mmlab-exp/1",
    experiment: exp.name,
    quick,
    params,
    planHash: hash,
    ...(shard ? { shard: { index: shard.index, count: shard.count, points: points.length, rowPoints } } : {}),
    host: hostInfo(),
    elapsedSeconds: Math.round((performance.now() - t0) / 10) / 100,
    jobs: workers,
    columns: exp.resultColumns(all),
    rows: all,
  };
}

function openJournal(
  opts: ExpRunOptions,
  header: JournalHeader,
): { journal: Journal | null; done: Map<number, Row[]> } {
  if (!opts.journal) return { journal: null, done: new Map() };
  if (opts.resume) return Journal.resume(opts.journal, header, opts.shard ?? null);
  return { journal: Journal.create(opts.journal, header), done: new Map() };
}

/** The fields of a result (ExpResult) besides its experiment's params, columns and rows. */
const RESULT_SHAPE: Shape = {
  quick: "boolean",
  planHash: "string",
  elapsedSeconds: "number",
  jobs: "number",
  host: {
    node: "string",
    cpu: "string",
    cpus: "number",
    platform: "string",
    arch: "string",
    memoryBytes: "number",
    date: "string",
    mmlab: "string",
  },
};

/** What a shard's result says of its slice (ShardInfo). */
const SHARD_SHAPE: Shape = { index: "number", count: "number", points: "number", rowPoints: ["number"] };

/** Read a result written by an experiment (NAME.json, or with `shards`, a shard's
 *  NAME.shard-I-of-N.json too). */
export function readResult(
  path: string,
  opts: { shards?: boolean } = {},
): { exp: Experiment; result: ExpResult } {
  let text: string;
  try {
    text = new TextDecoder().decode(readHostFile(path, { max: MAX_TEXT_BYTES }));
  } catch (e) {
    throw new ExpInputError((e as Error).message);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ExpInputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const o = v as Partial<ExpResult> | null;
  if (typeof o !== "object" || o === null || o.format !== "mmlab-exp/1")
    throw new ExpInputError(`${path}: not an mmlab experiment result (no "format": "mmlab-exp/1")`);
  if (typeof o.experiment !== "string" || !Array.isArray(o.rows) || !Array.isArray(o.columns))
    throw new ExpInputError(`${path}: malformed experiment result (needs experiment, columns and rows)`);
  const exp = findExperiment(o.experiment);
  if (!exp) throw new ExpInputError(`${path}: unknown experiment '${o.experiment}'`);
  checkShape(o, RESULT_SHAPE, `${path}: result`);
  if (o.shard !== undefined) checkShape(o.shard, SHARD_SHAPE, `${path}: shard`);
  if (o.shard && !opts.shards)
    throw new ExpInputError(
      `${path}: shard ${o.shard.index}/${o.shard.count} of a result, not a whole one: merge the shards first (mmlab exp merge)`,
    );
  checkShape(o.params, exp.paramsShape, `${path}: params`);
  checkRows(o.columns, o.rows, exp.columns, path);
  return { exp, result: o as ExpResult };
}
