// What a benchmark suite file (bench/*.bench.ts) gives bench/run.ts: benchmark.js Suites with
// the figures derived from them (MIPS from ops/sec and the instructions one op runs) and the
// case each suite's ratios are taken against.

import { readFileSync } from "node:fs";
import Benchmark from "benchmark";

/** A figure derived from ops/sec: value = hz × perOp / scale, e.g. MIPS = hz × insns / 1e6. */
export interface Derived {
  label: string;
  perOp: number;
  scale: number;
}

export interface CaseDef {
  name: string;
  fn: () => void;
  derived?: Derived;
}

export interface SuiteDef {
  /** Short id: "cpu", "regrepr/chain". */
  name: string;
  /** One line saying what is measured. */
  title: string;
  cases: CaseDef[];
  /** Ratios of every case's ops/sec to this case's. */
  ratioTo?: string;
  /** Figures derived from several cases at once (e.g. the cost of a page walk from the hit
   *  and miss loops): lines printed under the suite's table and kept in the JSON report. */
  summary?: (hz: (caseName: string) => number) => string[];
}

/** A suite ready to run, with what the report needs to know about its cases. */
export interface BenchSuite {
  def: SuiteDef;
  suite: Benchmark.Suite;
}

/** Options from bench/run.ts for every suite. */
export interface SuiteOptions {
  /** benchmark.js maxTime per case, seconds. */
  maxTime: number;
  minSamples: number;
}

/** A suite file's export: build its suites. */
export type SuiteFactory = (opts: SuiteOptions) => BenchSuite[];

export function makeSuite(def: SuiteDef, opts: SuiteOptions): BenchSuite {
  const suite = new Benchmark.Suite(def.name);
  for (const c of def.cases) {
    suite.add(c.name, c.fn, { maxTime: opts.maxTime, minSamples: opts.minSamples });
  }
  return { def, suite };
}

/** CPU seconds used so far by this process's waited-for children (user + system), or null off
 *  Linux: fields 16 and 17 of proc(5) (cutime, cstime), in USER_HZ ticks of 10 ms. */
export function childCpu(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) / 100; // at 13 and 14 after the command name
  } catch {
    return null;
  }
}

/** CPU milliseconds of one call of `fn` in this process (user + system: a loaded machine
 *  inflates wall time more than CPU time). */
export function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
}

/** Wall milliseconds of one call of `fn`. */
export function wallMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** The median over `rounds` of measure(b) / measure(a), the two run one after the other each
 *  round, alternating which goes first (a burst of load then falls on both alike). */
export function interleavedRatio(
  a: () => void,
  b: () => void,
  rounds: number,
  measure: (fn: () => void) => number = cpuMs,
): number {
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let ta: number;
    let tb: number;
    if (i & 1) {
      ta = measure(a);
      tb = measure(b);
    } else {
      tb = measure(b);
      ta = measure(a);
    }
    r.push(tb / ta);
  }
  r.sort((x, y) => x - y);
  return r[rounds >> 1]!;
}
