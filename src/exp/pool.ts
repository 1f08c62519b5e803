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

/** A point to run: its plan index and its data. */
export interface PointTask {
  index: number;
  point: unknown;
}

/** Told when a point starts and when it finishes (with its rows), in the calling thread. */
export interface PoolHooks {
  started?: (index: number) => void;
  done?: (index: number, rows: Row[]) => void;
}

/** Run every task, at most `jobs` at once. Returns the rows of each plan index it ran. */
export async function runPoints(
  exp: Experiment,
  params: unknown,
  tasks: readonly PointTask[],
  jobs: number,
  hooks: PoolHooks = {},
): Promise<{ rows: Map<number, Row[]>; workers: number }> {
  const entry = workerEntry();
  const n = Math.min(jobs, tasks.length);
  if (entry === null || n <= 1) {
    const rows = new Map<number, Row[]>();
    for (const { index, point } of tasks) {
      hooks.started?.(index);
      await new Promise((r) => setImmediate(r)); // let the progress line and signals through
      const r = exp.runPoint(params, point);
      rows.set(index, r);
      hooks.done?.(index, r);
    }
    return { rows, workers: 1 };
  }
  return { rows: await onWorkers(entry, exp, params, tasks, n, hooks), workers: n };
}

function onWorkers(
  entry: URL,
  exp: Experiment,
  params: unknown,
  tasks: readonly PointTask[],
  n: number,
  hooks: PoolHooks,
): Promise<Map<number, Row[]>> {
  return new Promise((resolve, reject) => {
    const results = new Map<number, Row[]>();
    const workers: Worker[] = [];
    let next = 0;
    let settled = false;
    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (e) reject(e);
      else resolve(results);
    };
    const give = (w: Worker): void => {
      if (next >= tasks.length) return;
      const task = tasks[next++]!;
      hooks.started?.(task.index);
      const req: WorkerRequest = { index: task.index, point: task.point };
      w.postMessage(req);
    };
    const init: WorkerInit = { experiment: exp.name, params };
    for (let i = 0; i < n; i++) {
      const w = new Worker(entry, { workerData: init });
      workers.push(w);
      w.on("message", (m: WorkerReply) => {
        if ("error" in m) {
          finish(new Error(`${exp.name}: point ${m.index + 1}: ${m.error}`));
          return;
        }
        results.set(m.index, m.rows);
        try {
          hooks.done?.(m.index, m.rows);
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (results.size === tasks.length) finish();
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
