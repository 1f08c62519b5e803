// The experiments `mmlab exp` knows: the built-in ones, in the order `mmlab exp list` shows
// them, and the sweep of the user's own program.

import { lazyPurgeExperiment } from "./lazy-purge.js";
import { shootdownExperiment } from "./shootdown.js";
import { sweepExperiment } from "./sweep.js";
import { thpExperiment } from "./thp.js";
import { tlbReachExperiment } from "./tlb-reach.js";
import type { Experiment } from "./types.js";
import { vreallocExperiment } from "./vrealloc.js";
import { walkCostExperiment } from "./walk-cost.js";

export const EXPERIMENTS: readonly Experiment[] = [
  tlbReachExperiment,
  vreallocExperiment,
  lazyPurgeExperiment,
  shootdownExperiment,
  walkCostExperiment,
  thpExperiment,
];

/** `mmlab exp sweep`: the user's own program. */
export const SWEEP: Experiment = sweepExperiment;

/** The experiment called `name` (a built-in one or the sweep), if any. */
export function findExperiment(name: string): Experiment | undefined {
  return name === SWEEP.name ? SWEEP : EXPERIMENTS.find((e) => e.name === name);
}
