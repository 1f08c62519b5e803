// Public face of the experiments: the registry, running one, writing and redrawing its outputs.

export { type ChaseResult, type ChaseSpec, chaseGeometry, runChase } from "./chase.js";
export { JOURNAL_FORMAT, Journal, type JournalHeader } from "./journal.js";
export { mergeShards, shardFiles } from "./merge.js";
export {
  canonicalJson,
  firstDifference,
  inShard,
  parseShard,
  planHash,
  type Shard,
  shardFileBase,
  shardIndices,
  shardLabel,
} from "./plan.js";
export { renderSvg } from "./plot.js";
export { readPointsFile } from "./points-file.js";
export { ProgressBar, ProgressLog } from "./progress.js";
export { EXPERIMENTS, findExperiment, SWEEP } from "./registry.js";
export {
  formatTable,
  hostInfo,
  toCsv,
  writeOutputs,
  writePlots,
  writeShardOutputs,
} from "./report.js";
export { type ExpRunOptions, type ProgressEvent, readResult, runExperiment } from "./run.js";
export {
  crossProduct,
  planSweep,
  SWEEP_DIMENSIONS,
  type SweepDimensions,
  type SweepParams,
  type SweepPoint,
} from "./sweep.js";
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
  type MergedShard,
  type PlotSpec,
  type Row,
  type RunOptions,
  type ShardInfo,
  type SweepPointSpec,
  type SweepSpec,
  type Value,
} from "./types.js";
