// Start-up: a command loads only what it uses. The static import graph of each command's module
// (what Node loads before the command runs; `import type` and dynamic `import()` excluded), in
// the sources and in the bundle bin/mmlab.js runs (scripts/bundle.ts: the chunks a command's
// chunk imports statically), must leave out the modules other commands need: the plotting stack (vega, vega-lite: about 0.4 s of
// CPU to load) outside plot drawing, the experiments outside `mmlab exp`, the assembler outside
// assembly input, and the translator's emitter (src/cpu/jit) everywhere for now.

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { build, type OutputChunk } from "rolldown";
import { describe, expect, it } from "vitest";
import { bundleOptions, CHUNK_GROUPS } from "../../scripts/bundle.js";

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

/** The modules of the kernel the CLI's entry may load: leaves that import nothing. */
const KERNEL_LEAVES = ["kernel/errno.ts", "kernel/lib/rawstr.ts"];

describe("what each command loads", () => {
  const PLOTS = /^vega/;
  const EXP = /^exp\//;
  // The assembler, not asm/isa (the register names and instruction record the decoder shares).
  const ASM = /^asm\/(?!isa\/)/;
  const JIT = /^cpu\/jit\//;

  it("mmlab itself (cli/index.ts) loads no command until it knows which", () => {
    const g = staticGraph("cli/index.ts");
    expect(has(g, /^cli\/(run|boot|console|demo|exp)\.ts$/)).toEqual([]);
    // Only two leaves of the kernel (they import nothing): the byte-string codec, for the
    // arguments' exact bytes, and the errno table, for the guest's writes to our descriptors.
    expect(has(g, /^(cpu|kernel|mmu|asm|exp)\//).sort()).toEqual(KERNEL_LEAVES);
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

describe("what each command loads from the bundle (scripts/bundle.ts)", () => {
  /** The bundle's chunks, built in memory from the sources. */
  const chunks = (async (): Promise<OutputChunk[]> => {
    const out = await build({ ...bundleOptions(join(tmpdir(), "mmlab-bundle-test")), write: false });
    return out.output.filter((o): o is OutputChunk => o.type === "chunk");
  })();

  /** The modules (paths under src/, or package names) Node loads with the chunk holding
   *  `module` (a path under src/): that chunk and every chunk it imports statically. */
  async function loaded(module: string): Promise<Set<string>> {
    const all = await chunks;
    const byName = new Map(all.map((c) => [c.fileName, c]));
    const start = all.find((c) => c.moduleIds.includes(join(SRC, module)));
    if (!start) throw new Error(`no chunk holds ${module}`);
    const seen = new Set<string>();
    const mods = new Set<string>();
    const visit = (c: OutputChunk): void => {
      if (seen.has(c.fileName)) return;
      seen.add(c.fileName);
      for (const id of c.moduleIds) if (id.startsWith(`${SRC}/`)) mods.add(id.slice(SRC.length + 1));
      for (const imp of c.imports) {
        const next = byName.get(imp);
        if (next) visit(next);
        else mods.add(imp); // an external package
      }
    };
    visit(start);
    return mods;
  }

  it("mmlab.js loads no command until it knows which", async () => {
    const g = await loaded("cli/index.ts");
    expect(g.has("cli/index.ts")).toBe(true);
    expect(has(g, /^cli\/(run|boot|console|demo|exp)\.ts$/)).toEqual([]);
    expect(has(g, /^(cpu|kernel|mmu|asm|exp)\//).sort()).toEqual(KERNEL_LEAVES);
  });

  it("run: the kernel, no assembler, experiments, plots or emitter", async () => {
    const g = await loaded("cli/run.ts");
    expect(has(g, /^kernel\/kernel\.ts$/)).toEqual(["kernel/kernel.ts"]);
    expect([
      ...has(g, /^asm\/(?!isa\/)/),
      ...has(g, /^exp\//),
      ...has(g, /^vega/),
      ...has(g, /^cpu\/jit\//),
    ]).toEqual([]); // nor the kernel console's command interpreter (scripts/bundle.ts APART), which the
    // console command still loads
    expect(has(g, /^session\/console\.ts$/)).toEqual([]);
    expect(has(await loaded("cli/console.ts"), /^session\/console\.ts$/)).toEqual(["session/console.ts"]);
  });

  it("run: seven chunks (scripts/bundle.ts CHUNK_GROUPS), not eighteen", async () => {
    const all = await chunks;
    const runChunk = all.find((c) => c.moduleIds.includes(join(SRC, "cli/run.ts")));
    const entry = all.find((c) => c.fileName === "mmlab.js");
    const names = new Set([...chunkClosure(all, runChunk!), ...chunkClosure(all, entry!)].map((c) => c.name));
    expect([...names].sort()).toEqual([
      "base",
      "machine",
      "mmlab",
      "rolldown-runtime",
      "run",
      "session",
      "v8-tuning",
    ]);
  });

  it("the chunks of CHUNK_GROUPS import neither the session chunk nor each other in a cycle", async () => {
    const all = await chunks;
    const session = all.find((c) => c.moduleIds.includes(join(SRC, "kernel/kernel.ts")))!;
    for (const g of CHUNK_GROUPS.filter((x) => x.name !== "run")) {
      const c = all.find((o) => o.name === g.name);
      expect(c, g.name).toBeDefined();
      expect(chunkClosure(all, c!).map((o) => o.fileName)).not.toContain(session.fileName);
    }
  });

  it("exp: the experiments, but not the plotting stack", async () => {
    const g = await loaded("cli/exp.ts");
    expect(has(g, /^exp\/registry\.ts$/)).toEqual(["exp/registry.ts"]);
    expect(has(g, /^vega/)).toEqual([]);
  });

  it("the worker entry sits beside mmlab.js, as exp's worker pool looks for it", async () => {
    const names = (await chunks).filter((c) => c.isEntry).map((c) => c.fileName);
    expect(names.sort()).toEqual(["mmlab.js", "start.js", "worker.js"]);
  });

  it("start.js, the code-cache loader bin/mmlab.js requires, holds nothing of mmlab's but itself", async () => {
    const g = await loaded("cli/code-cache.ts");
    expect([...g].filter((m) => !m.startsWith("node:")).sort()).toEqual([
      "cli/code-cache.ts",
      "cli/v8-tuning.ts",
    ]);
  });
});

/** `start` and every chunk it imports, directly or not. */
function chunkClosure(all: readonly OutputChunk[], start: OutputChunk): OutputChunk[] {
  const byName = new Map(all.map((c) => [c.fileName, c]));
  const seen = new Map<string, OutputChunk>();
  const visit = (c: OutputChunk): void => {
    if (seen.has(c.fileName)) return;
    seen.set(c.fileName, c);
    for (const imp of c.imports) {
      const next = byName.get(imp);
      if (next) visit(next);
    }
  };
  visit(start);
  return [...seen.values()];
}
