// Public face of the experiments: the registry, running one, writing and redrawing its outputs.

export { type ChaseResult, type ChaseSpec, chaseGeometry, runChase } from "./chase.js";
export { renderSvg } from "./plot.js";
export { ProgressBar } from "./progress.js";
export { EXPERIMENTS, findExperiment } from "./registry.js";
export { formatTable, hostInfo, mmlabVersion, toCsv, writeOutputs, writePlots } from "./report.js";
export { type ExpRunOptions, readResult, runExperiment } from "./run.js";
export {
  measuredKnee,
  type ReachParams,
  type ReachPoint,
  type ReachPrediction,
  reachParams,
  reachPoint,
  tlbReach,
} from "./tlb-reach.js";
export {
  type Column,
  type Experiment,
  ExpInputError,
  ExpOptionError,
  type ExpResult,
  type HostInfo,
  type PlotSpec,
  type Row,
  type RunOptions,
  type Value,
} from "./types.js";
