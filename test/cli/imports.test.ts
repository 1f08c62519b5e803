// Start-up: a command loads only what it uses. The static import graph of each command's module
// (what Node loads before the command runs; `import type` and dynamic `import()` excluded) must
// leave out the modules other commands need: the plotting stack (vega, vega-lite: about 0.4 s of
// CPU to load) outside plot drawing, the experiments outside `mmlab exp`, the assembler outside
// assembly input, and the translator's emitter (src/cpu/jit) everywhere for now.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Every module reachable from `entry` (a path under src/) by static imports, as paths
 *  relative to src/ (ts files) or package names. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const rel = file.slice(SRC.length + 1);
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = readFileSync(file, "utf8");
    // import X from "m"; import { a } from "m"; export { a } from "m"; export * from "m";
    // not: import type ..., export type ..., import("m")
    const re = /^(?:import|export)(?!\s+type\b)[^;"'()]*?from\s+"([^"]+)";|^import\s+"([^"]+)";/gms;
    for (const m of text.matchAll(re)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith(".")) visit(join(dirname(file), spec).replace(/\.js$/, ".ts"));
      else seen.add(spec);
    }
  };
  visit(join(SRC, entry));
  return seen;
}

const has = (graph: Set<string>, re: RegExp): string[] => [...graph].filter((m) => re.test(m));

describe("what each command loads", () => {
  const PLOTS = /^vega/;
  const EXP = /^exp\//;
  // The assembler, not asm/isa (the register names and instruction record the decoder shares).
  const ASM = /^asm\/(?!isa\/)/;
  const JIT = /^cpu\/jit\//;

  it("mmlab itself (cli/index.ts) loads no command until it knows which", () => {
    const g = staticGraph("cli/index.ts");
    expect(has(g, /^cli\/(run|boot|console|demo|exp)\.ts$/)).toEqual([]);
    // Only two leaves of the kernel that import nothing: the byte-string codec (the arguments'
    // exact bytes) and the errno table (a guest write's EPIPE).
    expect(has(g, /^(cpu|kernel|mmu|asm|exp)\//).sort()).toEqual(["kernel/errno.ts", "kernel/lib/rawstr.ts"]);
  });

  it("run: the machine, the kernel and the ELF reader; no assembler, experiments, plots or emitter", () => {
    const g = staticGraph("cli/run.ts");
    expect(has(g, /^kernel\/kernel\.ts$/)).toEqual(["kernel/kernel.ts"]);
    expect([...has(g, ASM), ...has(g, EXP), ...has(g, PLOTS), ...has(g, JIT)]).toEqual([]);
  });

  it("demo, boot and console: no experiments, plots or emitter", () => {
    for (const cmd of ["demo", "boot", "console"]) {
      const g = staticGraph(`cli/${cmd}.ts`);
      expect([cmd, ...has(g, EXP), ...has(g, PLOTS), ...has(g, JIT)]).toEqual([cmd]);
    }
  });

  it("exp: the experiments, but the plotting stack only when a plot is drawn", () => {
    const g = staticGraph("cli/exp.ts");
    expect(has(g, /^exp\/registry\.ts$/)).toEqual(["exp/registry.ts"]);
    expect(has(g, PLOTS)).toEqual([]);
    expect(readFileSync(join(SRC, "exp/plot.ts"), "utf8")).toMatch(/await Promise\.all\(\[import\("vega"\)/);
  });
});
