// V8 settings for the `mmlab` command (bin/mmlab.js, through start.js), made before any of the
// CLI's code is compiled (V8's code cache is made and checked under the same flags).

import { setFlagsFromString } from "node:v8";

/** No on-stack replacement. The generated interpreter's run() returns at least every MAX_CHUNK
 *  (src/cpu/interp.ts) instructions, so its next call enters the optimized code V8 made; but the
 *  call that is running when that code is installed made V8 compile run() a second time for
 *  on-stack replacement, a compile as long as the first (1–2 s of CPU on the development
 *  machine, --trace-opt on bench_coremark) whose code would serve for a few milliseconds. */
export function tuneV8(): void {
  setFlagsFromString("--no-use-osr");
}
