// The experiments `mmlab exp` knows, in the order `mmlab exp list` shows them.

import { lazyPurgeExperiment } from "./lazy-purge.js";
import { thpExperiment } from "./thp.js";
import { tlbReachExperiment } from "./tlb-reach.js";
import type { Experiment } from "./types.js";
import { vreallocExperiment } from "./vrealloc.js";
import { walkCostExperiment } from "./walk-cost.js";

export const EXPERIMENTS: readonly Experiment[] = [
  tlbReachExperiment,
  vreallocExperiment,
  lazyPurgeExperiment,
  walkCostExperiment,
  thpExperiment,
];

/** The experiment called `name`, if any. */
export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
