// What an experiment writes: NAME.csv (one line per row, the experiment's columns), NAME.json
// (parameters, the host, every row), the SVG plots, and the compact table printed on stdout.

import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { makeDirs, mmlabVersion } from "../session/index.js";
import { shardFileBase } from "./plan.js";
import { renderSvg } from "./plot.js";
import type { Column, Experiment, ExpResult, HostInfo, Row, Value } from "./types.js";

/** The machine we run on, and when. */
export function hostInfo(): HostInfo {
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cpus: availableParallelism(),
    platform: process.platform,
    arch: process.arch,
    memoryBytes: totalmem(),
    date: new Date().toISOString(),
    mmlab: mmlabVersion(),
  };
}

function csvCell(v: Value | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The rows as CSV, the columns in the experiment's order (then any others). */
export function toCsv(columns: readonly Column[], rows: readonly Row[]): string {
  const keys = columns.map((c) => c.key);
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const lines = [keys.join(",")];
  for (const r of rows) lines.push(keys.map((k) => csvCell(r[k])).join(","));
  return `${lines.join("\n")}\n`;
}

/** Align a table (first row = header) with two spaces between columns; numbers right-aligned. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (!rows.length) return "";
  const n = Math.max(...rows.map((r) => r.length));
  const width = Array.from({ length: n }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const numeric = (s: string): boolean => /^[-+]?[\d.,]+(e[-+]?\d+)?\s*%?$|^-$/.test(s);
  return `${rows
    .map((r, ri) =>
      Array.from({ length: n }, (_, i) => {
        const cell = r[i] ?? "";
        return ri > 0 && numeric(cell) ? cell.padStart(width[i]!) : cell.padEnd(width[i]!);
      })
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

/** A number for a table cell: `digits` decimals (0: a whole number with thousands separators),
 *  "-" for null and NaN, text as it is. */
export function fmt(v: Value | undefined, digits = 0): string {
  if (v === null || v === undefined) return "-";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return "-";
  if (digits === 0) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(digits);
}

/** Write the SVG plots of a result into `dir`; returns the paths. */
export async function writePlots(exp: Experiment, result: ExpResult, dir: string): Promise<string[]> {
  makeDirs(dir);
  const files: string[] = [];
  for (const plot of exp.plots(result)) {
    const path = join(dir, `${exp.name}${plot.suffix ? `-${plot.suffix}` : ""}.svg`);
    writeFileSync(path, await renderSvg(plot.spec));
    files.push(path);
  }
  return files;
}

/** Write NAME.csv, NAME.json and the plots into `dir`; returns the paths. */
export async function writeOutputs(exp: Experiment, result: ExpResult, dir: string): Promise<string[]> {
  makeDirs(dir);
  const csv = join(dir, `${exp.name}.csv`);
  writeFileSync(csv, toCsv(result.columns, result.rows));
  const json = join(dir, `${exp.name}.json`);
  writeFileSync(json, `${JSON.stringify(result, null, 1)}\n`);
  return [csv, json, ...(await writePlots(exp, result, dir))];
}

/** A shard's partial result: NAME.shard-I-of-N.json and .csv in `dir` (no plots: `mmlab exp
 *  merge` draws them from every shard's rows); returns the paths. */
export function writeShardOutputs(result: ExpResult, dir: string): string[] {
  if (!result.shard) throw new Error("writeShardOutputs: not a shard's result");
  makeDirs(dir);
  const base = join(dir, shardFileBase(result.experiment, result.shard));
  writeFileSync(`${base}.csv`, toCsv(result.columns, result.rows));
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
  return [`${base}.csv`, `${base}.json`];
}
