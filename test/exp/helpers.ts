// Shared by the experiment tests: run an experiment's test-only plan in this thread, write its
// outputs into a directory, and read them back; compare a result with another, the columns that
// differ from run to run (wall time) aside.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Experiment,
  type ExpResult,
  findExperiment,
  runExperiment,
  writeOutputs,
} from "../../src/exp/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";

export interface Written {
  exp: Experiment;
  result: ExpResult;
  files: string[];
  csv: string[][];
  json: ExpResult;
  svgs: string[];
}

/** Parse the CSV this project writes (quoted cells only when they hold a comma or a quote). */
export function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => {
      const cells: string[] = [];
      let cur = "";
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (ch === '"') quoted = false;
          else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ",") {
          cells.push(cur);
          cur = "";
        } else cur += ch;
      }
      cells.push(cur);
      return cells;
    });
}

/** Run `name`'s test plan (in this thread) and write its outputs into `dir`. */
export async function runAndWrite(name: string, dir: string, tlb = "skylake"): Promise<Written> {
  const exp = findExperiment(name);
  if (!exp) throw new Error(`no experiment ${name}`);
  const result = await runExperiment(exp, {
    quick: true,
    test: true,
    tlb: loadTlbConfig(tlb),
    satp: null,
    seed: 1,
    jobs: 1,
  });
  const files = await writeOutputs(exp, result, dir);
  const csv = parseCsv(readFileSync(join(dir, `${name}.csv`), "utf8"));
  const json = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as ExpResult;
  const svgs = files.filter((f) => f.endsWith(".svg")).map((f) => readFileSync(f, "utf8"));
  return { exp, result, files, csv, json, svgs };
}

/** The rows as objects keyed by the CSV header. */
export function csvRows(csv: string[][]): Record<string, string>[] {
  const [head, ...rows] = csv;
  return rows.map((r) => Object.fromEntries(head!.map((k, i) => [k, r[i] ?? ""])));
}

/** CSV text without the column `key`. */
export function dropColumn(csv: string, key: string): string {
  const rows = csv.trimEnd().split("\n");
  const at = rows[0]!.split(",").indexOf(key);
  if (at < 0) return csv;
  // The sweep's CSV cells hold no commas in this test, so a split at commas is exact.
  return `${rows
    .map((r) =>
      r
        .split(",")
        .filter((_, i) => i !== at)
        .join(","),
    )
    .join("\n")}\n`;
}

/** What a merged result must share with a single run's (`volatile`: columns left out). */
export function compared(r: ExpResult, volatile: readonly string[] = []): unknown {
  const rows = r.rows.map((row) =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !volatile.includes(k))),
  );
  const { format, experiment, quick, params, planHash, columns } = r;
  return { format, experiment, quick, params, planHash, columns, rows };
}
