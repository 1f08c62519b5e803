// What a benchmark suite file (bench/*.bench.ts) gives bench/run.ts: benchmark.js Suites with
// the figures derived from them (MIPS from ops/sec and the instructions one op runs) and the
// case each suite's ratios are taken against.

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
