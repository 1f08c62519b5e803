// How the generated interpreters (src/cpu/interp.ts) are compiled in this process: bin/mmlab.js
// (through start.js, src/cli/code-cache.ts runCached) hands over its code-cache loader's way,
// and every command that makes machines (machineConfig) passes it to the CPU layer. A leaf the
// entry chunk holds without loading the CPU layer (`mmlab --version` stays small).

import type { GeneratedCompiler } from "../cpu/index.js";

let host: GeneratedCompiler | null = null;

/** Compile the generated interpreters with `c` (the code cache's loader), for the machines made
 *  from now on. */
export function setCompilerHost(c: GeneratedCompiler): void {
  host = c;
}

/** The compiler bin/mmlab.js handed over, or null (in-process callers: tests, the playground). */
export function compilerHost(): GeneratedCompiler | null {
  return host;
}
