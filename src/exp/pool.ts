// Running an experiment's independent points: on worker threads (node:worker_threads) when the
// compiled worker entry (dist/src/exp/worker.js) sits next to this file, in this thread
// otherwise (from the TypeScript sources under vitest, or with --jobs 1). Each point is plain
// data and is run from scratch by the experiment's runPoint, so the rows do not depend on how
// many workers there are or which one ran a point.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Experiment, Row } from "./types.js";

/** A message from the worker: the rows of point `index`, or the error it threw. */
export type WorkerReply = { index: number; rows: Row[] } | { index: number; error: string };
/** A message to the worker: run point `index`. */
export interface WorkerRequest {
  index: number;
  point: unknown;
}
/** The worker's start-up data. */
export interface WorkerInit {
  experiment: string;
  params: unknown;
}

/** The compiled worker entry, or null when running from TypeScript sources. */
export function workerEntry(): URL | null {
  if (!import.meta.url.endsWith(".js")) return null;
  const url = new URL("./worker.js", import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/** Run every point; `progress(done)` after each one. Returns the rows of each point, in order. */
export async function runPoints(
  exp: Experiment,
  params: unknown,
  points: readonly unknown[],
  jobs: number,
  progress: (done: number) => void = () => {},
): Promise<{ rows: Row[][]; workers: number }> {
  const entry = workerEntry();
  const n = Math.min(jobs, points.length);
  if (entry === null || n <= 1) {
    const rows: Row[][] = [];
    for (const [i, point] of points.entries()) {
      rows.push(exp.runPoint(params, point));
      progress(i + 1);
      await new Promise((r) => setImmediate(r)); // let the progress bar and signals through
    }
    return { rows, workers: 1 };
  }
  return { rows: await onWorkers(entry, exp, params, points, n, progress), workers: n };
}

function onWorkers(
  entry: URL,
  exp: Experiment,
  params: unknown,
  points: readonly unknown[],
  n: number,
  progress: (done: number) => void,
): Promise<Row[][]> {
  return new Promise((resolve, reject) => {
    const results: Row[][] = new Array(points.length);
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (e) reject(e);
      else resolve(results);
    };
    const give = (w: Worker): void => {
      if (next >= points.length) return;
      const index = next++;
      const req: WorkerRequest = { index, point: points[index] };
      w.postMessage(req);
    };
    const init: WorkerInit = { experiment: exp.name, params };
    for (let i = 0; i < n; i++) {
      const w = new Worker(entry, { workerData: init });
      workers.push(w);
      w.on("message", (m: WorkerReply) => {
        if ("error" in m) {
          finish(new Error(`${exp.name}: point ${m.index + 1} of ${points.length}: ${m.error}`));
          return;
        }
        results[m.index] = m.rows;
        done++;
        progress(done);
        if (done === points.length) finish();
        else give(w);
      });
      w.on("error", (e) => finish(e instanceof Error ? e : new Error(String(e))));
      w.on("exit", (code) => {
        if (!settled && code !== 0)
          finish(new Error(`${exp.name}: a worker thread exited with status ${code}`));
      });
      give(w);
    }
  });
}
