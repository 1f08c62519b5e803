// `npm run bench`: run every benchmark suite (bench/*.bench.ts, compiled next to this file) and
// print one report: ops/sec, ± relative margin of error, samples, the derived figures (MIPS...)
// and ratios within each suite. Every suite runs --rounds times (all suites, then all again) and
// each case keeps its best round, so a burst of other load on the machine costs a round rather
// than the figure. Then the whole commands, cold (bench/commands.ts: a fresh process per run,
// the median of --cold-runs interleaved rounds, beside qemu-riscv64 and the warm figure).
// --json prints the report as JSON, --save FILE writes it there, --baseline FILE compares with a
// saved report and marks regressions of more than 10%.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type Benchmark from "benchmark";
import { tuneV8 } from "../src/cli/index.js";
import { type ColdReport, type ColdResult, measureCold } from "./commands.js";
import type { BenchSuite, SuiteDef, SuiteFactory } from "./harness.js";

/** One case's result. */
export interface CaseResult {
  suite: string;
  name: string;
  hz: number;
  /** Relative margin of error, percent. */
  rme: number;
  samples: number;
  meanSeconds: number;
  derived?: { label: string; value: number };
  /** hz relative to the suite's reference case. */
  ratio?: { to: string; value: number };
}

/** What --json prints and --save writes. */
export interface BenchReport {
  format: "mmlab-bench/1";
  date: string;
  machine: { node: string; cpu: string; cores: number; platform: string };
  /** Each case's figures are from the best of this many rounds. */
  rounds: number;
  /** benchmark.js maxTime per case and round, seconds. */
  maxTime: number;
  suites: { name: string; title: string; summary?: string[] }[];
  results: CaseResult[];
  /** The whole commands, cold (absent with --cold-runs 0 or a --filter none matches). */
  cold?: ColdReport;
}

const REGRESSION = 0.9;

const HELP = `Usage: node dist/bench/run.js [options]   (npm run bench -- [options])

Run the benchmark.js suites in bench/*.bench.ts and print one report.

Options:
  --json             print the report as JSON on stdout (progress goes to stderr)
  --save FILE        also write the JSON report to FILE
  --baseline FILE    compare with a report saved by --save or --json: ratios, regressions > 10%
  --filter TEXT      run only the suites whose name contains TEXT (cpu, regrepr/chain...) and
                     the whole commands whose cold/NAME does (cold, cold/hello...)
  --max-time SECS    benchmark.js maxTime per case and round (default 1)
  --rounds N         run every suite N times, interleaved, and keep each case's best round
                     (default 3: other load on the machine then costs a round, not the figure)
  --cold-runs N      whole commands: N rounds of fresh processes, the median kept (default 5;
                     0 leaves them out)
  --warm-runs N      whole commands: also run each N times in one process for the warm figure
                     (default 3; 1 leaves it out)
  -h, --help         show this help
`;

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** The suite factories of every bench/*.bench.js file next to this one. */
async function loadFactories(): Promise<SuiteFactory[]> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".bench.js"))
    .sort();
  const out: SuiteFactory[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(`${dir}/${f}`).href)) as { suites?: SuiteFactory };
    if (typeof mod.suites !== "function") fail(`${f} does not export a suites() function`);
    out.push(mod.suites);
  }
  return out;
}

function runSuite(s: BenchSuite, log: (line: string) => void): CaseResult[] {
  const results: CaseResult[] = [];
  s.suite.on("cycle", (ev: Benchmark.Event) => {
    const b = ev.target as unknown as Benchmark;
    if (b.error) throw b.error;
    const c = s.def.cases.find((x) => x.name === b.name)!;
    const r: CaseResult = {
      suite: s.def.name,
      name: b.name ?? c.name,
      hz: b.hz ?? 0,
      rme: b.stats?.rme ?? 0,
      samples: b.stats?.sample.length ?? 0,
      meanSeconds: b.stats?.mean ?? 0,
    };
    if (c.derived) r.derived = { label: c.derived.label, value: (r.hz * c.derived.perOp) / c.derived.scale };
    results.push(r);
    log(`  ${s.def.name} · ${r.name}: ${fmt(r.hz)} ops/s ±${r.rme.toFixed(2)}%`);
  });
  s.suite.run({ async: false });
  return results;
}

/** Keep, for each case, the round with the highest ops/sec; then add the ratios. */
function bestOf(rounds: CaseResult[][], defs: Map<string, SuiteDef>): CaseResult[] {
  const best = new Map<string, CaseResult>();
  for (const round of rounds) {
    for (const r of round) {
      const key = `${r.suite}\u0000${r.name}`;
      const prev = best.get(key);
      if (!prev || r.hz > prev.hz) best.set(key, r);
    }
  }
  const results = [...best.values()];
  for (const [name, def] of defs) {
    const ref = results.find((r) => r.suite === name && r.name === def.ratioTo);
    if (!ref || ref.hz <= 0) continue;
    for (const r of results) if (r.suite === name) r.ratio = { to: ref.name, value: r.hz / ref.hz };
  }
  return results;
}

function fmt(v: number, digits = 2): string {
  const d = v >= 100 ? 0 : v >= 10 ? 1 : digits;
  return v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function textReport(rep: BenchReport, base: BenchReport | undefined): string {
  const lines = [
    `mmlab benchmarks, ${rep.date}`,
    `Node ${rep.machine.node}, ${rep.machine.cpu}, ${rep.machine.cores} cores, ${rep.machine.platform}`,
    `each case: the best of ${rep.rounds} round(s) of benchmark.js with maxTime ${rep.maxTime} s`,
  ];
  if (base) lines.push(`baseline: ${base.date}, Node ${base.machine.node}, ${base.machine.cpu}`);
  let regressions = 0;
  for (const s of rep.suites) {
    const rs = rep.results.filter((r) => r.suite === s.name);
    if (rs.length === 0) continue;
    lines.push("", `${s.name}: ${s.title}`);
    const head = ["", "ops/sec", "±rme", "samples", "derived", "ratio"];
    if (base) head.push("vs baseline");
    const rows = [head];
    for (const r of rs) {
      const row = [
        `  ${r.name}`,
        fmt(r.hz),
        `±${r.rme.toFixed(2)}%`,
        String(r.samples),
        r.derived ? `${fmt(r.derived.value, 1)} ${r.derived.label}` : "",
        r.ratio ? `${r.ratio.value.toFixed(2)}×` : "",
      ];
      if (base) {
        const b = base.results.find((x) => x.suite === r.suite && x.name === r.name);
        if (!b || b.hz <= 0) row.push("(new)");
        else {
          const q = r.hz / b.hz;
          if (q < REGRESSION) regressions++;
          row.push(`${q.toFixed(2)}×${q < REGRESSION ? "  REGRESSION" : ""}`);
        }
      }
      rows.push(row);
    }
    lines.push(table(rows));
    const ref = rs.find((r) => r.ratio)?.ratio?.to;
    if (ref) lines.push(`  (ratio: ops/sec relative to "${ref}")`);
    for (const l of s.summary ?? []) lines.push(`  ${l}`);
  }
  if (rep.cold) regressions += coldReport(rep.cold, base?.cold, lines);
  if (base) {
    lines.push(
      "",
      regressions === 0
        ? "no regressions over 10% against the baseline"
        : `${regressions} regression(s) over 10% against the baseline`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The whole-command section of the text report; returns the number of regressions. */
function coldReport(c: ColdReport, base: ColdReport | undefined, lines: string[]): number {
  const s = (v: number | null, d = 3): string => (v === null ? "-" : v.toFixed(d));
  lines.push(
    "",
    `cold: whole commands, a fresh process each, median of ${c.runs} interleaved rounds`,
    `  ${c.qemu}; load average ${c.load[0].toFixed(2)} before, ${c.load[1].toFixed(2)} after; ` +
      `node -e 0: ${s(c.node0.wallSeconds)} s wall, ${s(c.node0.cpuSeconds, 2)} s CPU` +
      (c.node0NoExtraCa
        ? ` (${s(c.node0NoExtraCa.wallSeconds)} s wall, ${s(c.node0NoExtraCa.cpuSeconds, 2)} s CPU without NODE_EXTRA_CA_CERTS)`
        : ""),
  );
  const head = ["", "wall s", "CPU s", "instructions", "MIPS", "warm MIPS", "qemu s", "× qemu"];
  if (base) head.push("vs baseline");
  const rows = [head];
  let regressions = 0;
  for (const r of c.results) {
    const row = [
      `  ${r.name}`,
      s(r.wallSeconds),
      s(r.cpuSeconds, 2),
      r.instructions === null ? "-" : r.instructions.toLocaleString("en-US"),
      r.mips === null ? "-" : fmt(r.mips, 1),
      r.warmMips === null ? "-" : fmt(r.warmMips, 1),
      s(r.qemuWallSeconds),
      r.qemuRatio === null ? "-" : `${fmt(r.qemuRatio, 1)}×`,
    ];
    if (base) row.push(coldVsBase(r, base, () => regressions++));
    rows.push(row);
  }
  lines.push(table(rows));
  lines.push(
    "  MIPS: guest instructions / wall time of the whole command; warm MIPS: the machine's run alone, run again in one process;",
    "  × qemu: mmlab's wall time / qemu-riscv64's on the same work (bench_bare: the glibc program doing the same iterations)",
  );
  const hello = c.results.find((r) => r.name === "hello");
  if (hello)
    lines.push(
      `  start-up: hello takes ${(hello.wallSeconds / c.node0.wallSeconds).toFixed(1)}× the wall time of node -e 0`,
    );
  return regressions;
}

/** A command's wall time against the baseline's (as a speed ratio, > 1 is faster). */
function coldVsBase(r: ColdResult, base: ColdReport, regression: () => void): string {
  const b = base.results.find((x) => x.name === r.name);
  if (!b) return "(new)";
  const q = b.wallSeconds / r.wallSeconds;
  if (q < REGRESSION) regression();
  return `${q.toFixed(2)}×${q < REGRESSION ? "  REGRESSION" : ""}`;
}

/** A whole number option from `min` to 100, or its default. */
function countOpt(v: string | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= min && n <= 100))
    fail(`bad --${name} '${v}': a whole number from ${min} to 100`);
  return n;
}

async function main(): Promise<void> {
  let values: {
    json?: boolean;
    save?: string;
    baseline?: string;
    filter?: string;
    "max-time"?: string;
    rounds?: string;
    "cold-runs"?: string;
    "warm-runs"?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: "boolean" },
        save: { type: "string" },
        baseline: { type: "string" },
        filter: { type: "string" },
        "max-time": { type: "string" },
        rounds: { type: "string" },
        "cold-runs": { type: "string" },
        "warm-runs": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail(`${(e as Error).message.split(".")[0]} (see --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const maxTime = values["max-time"] === undefined ? 1 : Number(values["max-time"]);
  if (!(maxTime > 0 && maxTime <= 600)) fail(`bad --max-time '${values["max-time"]}': seconds, e.g. 1`);
  const nrounds = countOpt(values.rounds, "rounds", 3, 1);
  const coldRuns = countOpt(values["cold-runs"], "cold-runs", 5, 0);
  const warmRuns = countOpt(values["warm-runs"], "warm-runs", 3, 1);
  let base: BenchReport | undefined;
  if (values.baseline !== undefined) {
    try {
      base = JSON.parse(readFileSync(values.baseline, "utf8")) as BenchReport;
    } catch (e) {
      fail(`cannot read baseline ${values.baseline}: ${(e as Error).message}`);
    }
    if (base.format !== "mmlab-bench/1" || !Array.isArray(base.results)) {
      fail(`${values.baseline} is not a report saved by --save or --json`);
    }
  }
  const json = values.json === true;
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  // The in-process suites run under the V8 flags the `mmlab` command sets (wasm branch hints
  // among them: the translated loops compile as under `mmlab run`).
  tuneV8();
  const factories = await loadFactories();
  const rounds: CaseResult[][] = [];
  const defs = new Map<string, SuiteDef>();
  for (let round = 1; round <= nrounds; round++) {
    const results: CaseResult[] = [];
    // (--filter cold...: the whole commands only, without building the other suites)
    for (const factory of values.filter?.startsWith("cold") ? [] : factories) {
      for (const s of factory({ maxTime, minSamples: 5 })) {
        if (values.filter !== undefined && !s.def.name.includes(values.filter)) continue;
        defs.set(s.def.name, s.def);
        log(`round ${round}/${nrounds}, ${s.def.name}: ${s.def.title}`);
        results.push(...runSuite(s, log));
      }
    }
    rounds.push(results);
  }
  const cold =
    coldRuns > 0
      ? measureCold({
          runs: coldRuns,
          warmRuns,
          ...(values.filter === undefined ? {} : { filter: values.filter }),
          log,
          warmScript: fileURLToPath(new URL("./warm-run.js", import.meta.url)),
        })
      : undefined;
  if (defs.size === 0 && !cold) fail(`nothing matches --filter '${values.filter}'`);
  const report: BenchReport = {
    format: "mmlab-bench/1",
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpu: cpuModel(),
      cores: os.cpus().length,
      platform: `${os.platform()} ${os.arch()}`,
    },
    rounds: nrounds,
    maxTime,
    suites: [],
    results: bestOf(rounds, defs),
  };
  if (cold) report.cold = cold;
  report.suites = [...defs.values()].map((d) => {
    const hz = (name: string): number =>
      report.results.find((r) => r.suite === d.name && r.name === name)?.hz ?? Number.NaN;
    return d.summary
      ? { name: d.name, title: d.title, summary: d.summary(hz) }
      : { name: d.name, title: d.title };
  });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (values.save !== undefined) writeFileSync(values.save, text);
  process.stdout.write(json ? text : textReport(report, base));
  if (json && base) process.stderr.write(textReport(report, base));
}

await main();
