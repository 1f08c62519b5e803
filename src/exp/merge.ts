// `mmlab exp merge`: the shards of one run put back together. The shards must come from one
// experiment with one plan (the same planHash: the same parameters and points), split the same
// way (the same N), each shard 1..N exactly once; their rows are put back in plan order and
// finished as a whole run's are, so the merged NAME.csv, the rows of NAME.json and the plots are
// those a single run writes. What may differ: `host`, `elapsedSeconds` (here the shards' sum),
// `jobs` (the largest), and `merged` (where each shard ran), which a single run does not have.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { shardLabel } from "./plan.js";
import { hostInfo } from "./report.js";
import { readResult } from "./run.js";
import { type Experiment, ExpInputError, type ExpResult, type Row, type ShardInfo } from "./types.js";

const SHARD_FILE = /^[a-z0-9-]+\.shard-\d+-of-\d+\.json$/;

/** The shard results named by `args`: files as they are, directories by their
 *  NAME.shard-I-of-N.json files. */
export function shardFiles(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const a of args) {
    let isDir: boolean;
    try {
      isDir = statSync(a).isDirectory();
    } catch {
      throw new ExpInputError(`${a}: no such file or directory`);
    }
    if (!isDir) {
      files.push(a);
      continue;
    }
    const found = readdirSync(a)
      .filter((f) => SHARD_FILE.test(f))
      .sort()
      .map((f) => join(a, f));
    if (found.length === 0) throw new ExpInputError(`${a}: no shard results (NAME.shard-I-of-N.json) in it`);
    files.push(...found);
  }
  return files;
}

interface Loaded {
  path: string;
  exp: Experiment;
  result: ExpResult & { shard: ShardInfo };
}

/** Merge the shard results at `paths` into the whole run's result. */
export function mergeShards(paths: readonly string[]): { exp: Experiment; result: ExpResult } {
  if (paths.length === 0) throw new ExpInputError("no shard results to merge");
  const shards = paths.map(loadShard);
  const first = shards[0]!;
  for (const s of shards.slice(1)) checkSame(first, s);
  const count = first.result.shard.count;
  const byIndex = new Map<number, Loaded>();
  for (const s of shards) {
    const other = byIndex.get(s.result.shard.index);
    if (other)
      throw new ExpInputError(
        `shard ${shardLabel(s.result.shard)} is given twice: ${other.path} and ${s.path}`,
      );
    byIndex.set(s.result.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new ExpInputError(
      `${missing.length === 1 ? "shard" : "shards"} ${missing.map((i) => `${i}/${count}`).join(", ")} ` +
        `of ${first.result.experiment} ${missing.length === 1 ? "is" : "are"} missing (have ${[
          ...byIndex.keys(),
        ]
          .sort((a, b) => a - b)
          .map((i) => `${i}/${count}`)
          .join(", ")})`,
    );
  const rows = mergedRows(shards, first.result.shard.points);
  const all = first.exp.finishRows(rows);
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s.result);
  const result: ExpResult = {
    format: "mmlab-exp/1",
    experiment: first.result.experiment,
    quick: first.result.quick,
    params: first.result.params,
    planHash: first.result.planHash,
    merged: ordered.map((r) => ({
      shard: shardLabel(r.shard!),
      host: r.host,
      elapsedSeconds: r.elapsedSeconds,
      jobs: r.jobs,
    })),
    host: hostInfo(),
    elapsedSeconds: Math.round(ordered.reduce((t, r) => t + r.elapsedSeconds, 0) * 100) / 100,
    jobs: Math.max(...ordered.map((r) => r.jobs)),
    columns: first.exp.resultColumns(all),
    rows: all,
  };
  return { exp: first.exp, result };
}

function loadShard(path: string): Loaded {
  const { exp, result } = readResult(path, { shards: true });
  const s = result.shard;
  if (!s)
    throw new ExpInputError(`${path}: a whole result of ${result.experiment}, not a shard: nothing to merge`);
  if (
    !Number.isInteger(s.index) ||
    !Number.isInteger(s.count) ||
    s.index < 1 ||
    s.index > s.count ||
    !Array.isArray(s.rowPoints) ||
    s.rowPoints.length !== result.rows.length
  )
    throw new ExpInputError(
      `${path}: malformed shard (needs shard.index, .count, .points and one rowPoints entry per row)`,
    );
  for (const p of s.rowPoints) {
    if (!Number.isInteger(p) || p < 0 || p >= s.points || p % s.count !== s.index - 1)
      throw new ExpInputError(`${path}: a row of point ${p + 1}, which is not in shard ${shardLabel(s)}`);
  }
  return { path, exp, result: result as Loaded["result"] };
}

/** Refuse shards of different experiments, plans or splits, naming both files. */
function checkSame(a: Loaded, b: Loaded): void {
  const ra = a.result;
  const rb = b.result;
  if (ra.experiment !== rb.experiment)
    throw new ExpInputError(
      `${a.path} is a shard of ${ra.experiment}, ${b.path} of ${rb.experiment}: merge the shards of one experiment`,
    );
  if (ra.planHash !== rb.planHash)
    throw new ExpInputError(
      `${a.path} and ${b.path} are shards of different parameter sets (plans ${ra.planHash.slice(0, 12)} and ` +
        `${rb.planHash.slice(0, 12)}): merge the shards of one run`,
    );
  if (ra.shard.count !== rb.shard.count)
    throw new ExpInputError(
      `${a.path} is shard ${shardLabel(ra.shard)}, ${b.path} is shard ${shardLabel(rb.shard)}: ` +
        "the shards must split the plan the same way (the same N)",
    );
}

/** Every shard's rows, in plan order. */
function mergedRows(shards: readonly Loaded[], points: number): Row[] {
  const byPoint: Row[][] = Array.from({ length: points }, () => []);
  for (const s of shards) {
    for (const [k, r] of s.result.rows.entries()) byPoint[s.result.shard.rowPoints[k]!]!.push(r);
  }
  return byPoint.flat();
}
