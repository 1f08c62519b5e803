// `mmlab exp sweep --points FILE`: the sweep's points from a JSON (or YAML) file, either a list
// of points or a cross product:
//
//   [{"tlb": "skylake", "append": "transparent_hugepage=always"}, {"tlb": "zen2", "harts": 2}]
//   {"tlb": ["skylake", "zen2"], "append": ["transparent_hugepage=never", "..."], "repeat": 2}
//
// A point's keys are tlb (a preset or a JSON file), append, harts, satp and args (a list of
// strings; the command line's ARGS when absent); each is optional. In a cross product each key
// takes one value or a list of them ("args" a list of lists), and "repeat" runs each point that
// many times; {"points": [...], "repeat": N} repeats a list. Unknown keys are refused.

import { MAX_HARTS, MAX_TEXT_BYTES, readHostFile } from "../session/index.js";
import { crossProduct, type SweepDimensions } from "./sweep.js";
import { ExpInputError, type SweepPointSpec } from "./types.js";

const POINT_KEYS = ["tlb", "append", "harts", "satp", "args"] as const;

/** What a points file gives: the points, and the repeat count when it sets one. */
export interface PointsFile {
  points: SweepPointSpec[];
  repeat: number | null;
}

/** Read and check the points file at `path`. */
export async function readPointsFile(path: string): Promise<PointsFile> {
  let text: string;
  try {
    text = new TextDecoder().decode(readHostFile(path, { max: MAX_TEXT_BYTES }));
  } catch (e) {
    throw new ExpInputError((e as Error).message);
  }
  return pointsOf(path, await parseText(path, text));
}

async function parseText(path: string, text: string): Promise<unknown> {
  if (/\.ya?ml$/i.test(path)) return parseYaml(path, text);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ExpInputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** YAML through the `yaml` package, loaded only for a YAML file. */
async function parseYaml(path: string, text: string): Promise<unknown> {
  const { parse } = await import("yaml");
  try {
    return parse(text);
  } catch (e) {
    throw new ExpInputError(`${path}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** The points of a parsed file. */
export function pointsOf(path: string, v: unknown): PointsFile {
  const bad = (what: string): ExpInputError => new ExpInputError(`${path}: ${what}`);
  if (Array.isArray(v))
    return { points: v.map((p, i) => point(p, (w) => bad(`point ${i + 1}: ${w}`))), repeat: null };
  if (typeof v !== "object" || v === null)
    throw bad("expected a list of points or an object of parameter lists (a cross product)");
  const o = v as Record<string, unknown>;
  const repeat = o.repeat === undefined ? null : wholeNumber(o.repeat, 1, 1_000_000, "repeat", bad);
  if ("points" in o) {
    for (const k of Object.keys(o))
      if (k !== "points" && k !== "repeat") throw bad(`unknown key '${k}' beside "points" (only "repeat")`);
    if (!Array.isArray(o.points)) throw bad(`"points" must be a list`);
    return { points: o.points.map((p, i) => point(p, (w) => bad(`point ${i + 1}: ${w}`))), repeat };
  }
  for (const k of Object.keys(o))
    if (k !== "repeat" && !(POINT_KEYS as readonly string[]).includes(k))
      throw bad(`unknown key '${k}' (the keys are ${POINT_KEYS.join(", ")}, repeat, points)`);
  const list = (k: string): unknown[] | undefined =>
    o[k] === undefined ? undefined : Array.isArray(o[k]) && k !== "args" ? (o[k] as unknown[]) : [o[k]];
  const args = o.args === undefined ? undefined : argsList(o.args, bad);
  const d: Partial<SweepDimensions> = {};
  const each = <T>(k: string, f: (x: unknown) => T): T[] | undefined => list(k)?.map(f);
  const tlb = each("tlb", (x) => text(x, "tlb", bad));
  const append = each("append", (x) => text(x, "append", bad));
  const harts = each("harts", (x) => wholeNumber(x, 1, MAX_HARTS, "harts", bad));
  const satp = each("satp", (x) => text(x, "satp", bad));
  if (tlb) d.tlb = tlb;
  if (append) d.append = append;
  if (harts) d.harts = harts;
  if (satp) d.satp = satp;
  if (args) d.args = args;
  for (const [k, vals] of Object.entries(d))
    if ((vals as unknown[]).length === 0) throw bad(`'${k}' is an empty list`);
  return { points: crossProduct(d), repeat };
}

/** One point of a list. */
function point(v: unknown, bad: (what: string) => ExpInputError): SweepPointSpec {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw bad('expected an object such as {"tlb": "zen2", "append": "transparent_hugepage=always"}');
  const o = v as Record<string, unknown>;
  const p: SweepPointSpec = {};
  for (const k of Object.keys(o)) {
    if (!(POINT_KEYS as readonly string[]).includes(k))
      throw bad(`unknown key '${k}' (a point's keys are ${POINT_KEYS.join(", ")})`);
  }
  if (o.tlb !== undefined) p.tlb = text(o.tlb, "tlb", bad);
  if (o.append !== undefined) p.append = text(o.append, "append", bad);
  if (o.harts !== undefined) p.harts = wholeNumber(o.harts, 1, MAX_HARTS, "harts", bad);
  if (o.satp !== undefined) p.satp = text(o.satp, "satp", bad);
  if (o.args !== undefined) {
    if (!Array.isArray(o.args) || !o.args.every((a) => typeof a === "string"))
      throw bad(`'args' must be a list of strings`);
    p.args = o.args as string[];
  }
  return p;
}

/** "args" of a cross product: one list of strings, or a list of such lists. */
function argsList(v: unknown, bad: (what: string) => ExpInputError): string[][] {
  const isList = (x: unknown): x is string[] => Array.isArray(x) && x.every((a) => typeof a === "string");
  if (isList(v)) return [v];
  if (Array.isArray(v) && v.every(isList)) return v;
  throw bad(`'args' must be a list of strings, or a list of such lists`);
}

function text(v: unknown, key: string, bad: (what: string) => ExpInputError): string {
  if (typeof v !== "string") throw bad(`'${key}' must be a string (or a list of strings)`);
  return v;
}

function wholeNumber(
  v: unknown,
  lo: number,
  hi: number,
  key: string,
  bad: (what: string) => ExpInputError,
): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi)
    throw bad(`'${key}' must be a whole number from ${lo} to ${hi}`);
  return v;
}
