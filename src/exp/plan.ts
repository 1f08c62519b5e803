// A plan's identity and its slices: the canonical JSON of a plan (keys sorted at every level,
// so that the same parameters always give the same text) and its sha256, which the journal,
// shard results and merges compare; and --shard I/N, the deterministic slice of the points a
// shard runs.

import { createHash } from "node:crypto";
import { ExpOptionError } from "./types.js";

/** `v` as JSON with the keys of every object sorted; undefined members are left out and
 *  non-finite numbers are null, as JSON.stringify does. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

/** The sha256 (hex) of an experiment's plan: its name, quick, parameters and every point. */
export function planHash(
  experiment: string,
  quick: boolean,
  params: unknown,
  points: readonly unknown[],
): string {
  return createHash("sha256").update(canonicalJson({ experiment, quick, params, points })).digest("hex");
}

/** The first place where `a` and `b` differ, as a path ("params.tlbs.zen2.l2"), or null. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | null {
  if (canonicalJson(a) === canonicalJson(b)) return null;
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return path || "(the whole)";
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)
    return `${path || "(the list)"} (${a.length} against ${b.length} entries)`;
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
    if (d !== null) return d;
  }
  return path || "(the whole)";
}

/** --shard I/N: run the I-th of N slices (1-based, as GNU parallel's {#} and a Slurm array
 *  --array=1-N count). */
export interface Shard {
  index: number;
  count: number;
}

/** Parse "I/N" with 1 <= I <= N <= 100000. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(count >= 1 && count <= 100_000 && index >= 1 && index <= count))
    throw new ExpOptionError(
      `bad value '${text}' for '--shard': expected I/N with 1 <= I <= N (shard I of N, counted from 1)`,
    );
  return { index, count };
}

/** "I/N". */
export function shardLabel(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** Does point `i` (0-based plan index) belong to shard `s`? Points are dealt round-robin, so
 *  each shard gets points from every part of the plan (neighbouring points cost alike). */
export function inShard(i: number, s: Shard | null): boolean {
  return s === null || i % s.count === s.index - 1;
}

/** The plan indices shard `s` runs, in plan order (all of them for null). */
export function shardIndices(points: number, s: Shard | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < points; i++) if (inShard(i, s)) out.push(i);
  return out;
}

/** NAME.shard-I-of-N: the base of shard I/N's file names (.json, .csv, .journal.jsonl). */
export function shardFileBase(experiment: string, s: Shard): string {
  return `${experiment}.shard-${s.index}-of-${s.count}`;
}
