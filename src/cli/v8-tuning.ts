// V8 settings for the `mmlab` command (bin/mmlab.js, through start.js), made before any of the
// CLI's code is compiled (V8's code cache is made and checked under the same flags).

import { setFlagsFromString } from "node:v8";

/** Natives syntax, so that the generated interpreter's starter variants (src/cpu/interp.ts,
 *  STARTER_INSNS) can tell V8 never to optimize them (`%NeverOptimizeFunction`): they then run
 *  a process's first 100,000 instructions, not 2,000, and a short program never pays for the
 *  warm-up (src/cpu/warmup.ts). Only generated code uses the syntax; in valid JavaScript a `%`
 *  never starts an expression, so no other code parses differently.
 *
 *  No on-stack replacement. The generated interpreter's run() returns at least every MAX_CHUNK
 *  (src/cpu/interp.ts) instructions, so its next call enters the optimized code V8 made; but the
 *  call that is running when that code is installed made V8 compile run() a second time for
 *  on-stack replacement, a compile as long as the first (1–2 s of CPU on the development
 *  machine, --trace-opt on bench_coremark) whose code would serve for a few milliseconds. */
export function tuneV8(): void {
  setFlagsFromString("--no-use-osr");
  setFlagsFromString("--allow-natives-syntax");
}
