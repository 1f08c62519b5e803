// Running an experiment end to end: plan, run the points (in parallel where possible), gather
// the rows with the parameters and the host into an ExpResult; and reading a saved one back.

import { readFileSync } from "node:fs";
import { runPoints } from "./pool.js";
import { findExperiment } from "./registry.js";
import { hostInfo } from "./report.js";
import { type Experiment, ExpInputError, type ExpResult, type RunOptions } from "./types.js";

export interface ExpRunOptions extends RunOptions {
  /** Worker threads (1: run in this thread). */
  jobs: number;
  /** Called after each point. */
  progress?: (done: number, total: number) => void;
}

/** Run `exp` with `opts`. */
export async function runExperiment(exp: Experiment, opts: ExpRunOptions): Promise<ExpResult> {
  const t0 = performance.now();
  const { params, points } = exp.plan(opts);
  const { rows, workers } = await runPoints(exp, params, points, opts.jobs, (done) =>
    opts.progress?.(done, points.length),
  );
  return {
    format: "mmlab-exp/1",
    experiment: exp.name,
    quick: opts.quick || opts.test === true,
    params,
    host: hostInfo(),
    elapsedSeconds: Math.round((performance.now() - t0) / 10) / 100,
    jobs: workers,
    columns: [...exp.columns],
    rows: rows.flat(),
  };
}

/** Read a result written by an experiment (NAME.json). */
export function readResult(path: string): { exp: Experiment; result: ExpResult } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExpInputError(
      code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read: ${(e as Error).message}`,
    );
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
  return { exp, result: o as ExpResult };
}
