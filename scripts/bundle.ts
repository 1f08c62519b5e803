// The bundled CLI that bin/mmlab.js runs (start-up, issue 12 Part 1): the TypeScript sources of
// src/cli/index.ts and of the experiments' worker entry, bundled by rolldown into a few ES
// modules under dist/bundle/ (`npm run build`, so `npm ci` builds it through prepare).
//
// Why: Node loads an ES module graph file by file, resolving every specifier, reading the
// package.json above each file and compiling each module on its own. `mmlab run` of a no-libc
// hello world loaded ~148 files that way, and on the development machine the loader took
// several times the CPU of the run itself. Bundled, the same command loads a handful of chunks.
//
// Each command stays loaded only when it is used: src/cli/commands.ts imports the commands with
// import(), and rolldown makes each such import a chunk of its own (with the modules shared
// between commands in common chunks), so `mmlab run` loads neither the experiments nor the
// assembler (test/cli/imports.test.ts checks the bundle's chunk graph). The plotting stack
// (vega, vega-lite) stays an import of node_modules: it is large and only `exp` draws plots.
// The worker entry (worker.js) sits beside the chunks, as dist/src/exp/worker.js sits beside
// pool.js, so that `exp --jobs N` runs its points on worker threads.
//
// The chunks are CommonJS (a package.json of type commonjs beside them says so), so that
// bin/mmlab.js can compile them with V8's code cache (start.js, src/cli/code-cache.ts: Node 20
// has no code cache for ES modules) and loads no ES module machinery at all: a command's own
// code starts about 40% sooner. Node's require still runs them as they are (worker threads,
// tests).
//
//   node dist/scripts/bundle.js        build dist/bundle/ (npm run build does it)

import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { InputOptions, OutputOptions, RolldownOutput } from "rolldown";
import { BUILD_ID_NAME, CHUNKS_NAME } from "../src/cli/code-cache.js";

/** The repository: this file runs as dist/scripts/bundle.js, or from the sources in tests. */
export const ROOT = resolve(
  fileURLToPath(new URL(".", import.meta.url)),
  import.meta.url.endsWith(".ts") ? ".." : "../..",
);

/** Where the bundle goes; bin/mmlab.js runs BUNDLE_DIR/mmlab.js. */
export const BUNDLE_DIR = join(ROOT, "dist/bundle");

/** Packages left as imports of node_modules (loaded only by the modules that use them). */
export const BUNDLE_EXTERNAL: readonly string[] = ["vega", "vega-lite"];

/** Modules no run of a program uses, which other commands share with it: the kernel console's
 *  command interpreter (mmlab console, boot --script, the playground). Declared free of side
 *  effects (their top level only defines) and given a chunk of their own, so that the chunk of
 *  the session layer the run commands load does not import them for their side effects, as it
 *  did through the session layer's index: 18 KB less of the session chunk's ~356 KB to read,
 *  compile from the code cache and run at each start-up. */
export const APART = /[\\/]src[\\/]session[\\/]console\.ts$/;

/** Chunks of modules that the commands load together, instead of the many small chunks
 *  rolldown makes of them by which commands share each module: each chunk costs a command two
 *  file reads (its text and its code-cache file), a digest and a compile, about 0.5 M host
 *  instructions of a hello world (callgrind), and `mmlab run` loaded 18 of them. In order:
 *  - `base`: the argument parser, the CLI's output, the errno table and the byte-string codec,
 *    which every command loads with mmlab.js;
 *  - `machine`: the CPU (its interpreter, decoder, FPU, devices), the MMU and TLB models, the
 *    ELF reader and the register names the decoder shares with the assembler (asm/isa): what
 *    every machine needs, the translator (src/cpu/jit) apart;
 *  - `run`: the CLI's modules of the commands that run a program (`mmlab run`, and the helpers
 *    it shares with boot, console and demo: the machine's options, the kernel session, the
 *    stats and trace printers, bare and kernel runs).
 *  A group takes only the modules it names (not their imports), so that the kernel and session
 *  stay in the session chunk, which imports these (test/cli/imports.test.ts checks the graph:
 *  no chunk of them imports the session chunk back). */
export const CHUNK_GROUPS: readonly { name: string; test: RegExp }[] = [
  {
    name: "base",
    test: /[\\/]src[\\/](cli[\\/](args|io)|kernel[\\/]errno|elf[\\/]text|kernel[\\/]lib[\\/]rawstr)\.ts$/,
  },
  {
    name: "machine",
    test: /[\\/](src[\\/](cpu[\\/](?!jit[\\/])[^\\/]+\.ts|cpu[\\/](fpu|machine)[\\/].*|mmu[\\/].*|asm[\\/]isa[\\/].*|elf[\\/](?!text\.ts)[^\\/]+\.ts)|node_modules[\\/]ts-pattern[\\/].*)$/,
  },
  {
    name: "run",
    test: /[\\/]src[\\/]cli[\\/](run|run-kernel|run-bare|guest|kernel-session|stats|machine-config|tlb-trace|insn-trace|perf|translation-cache|decode-memo)\.ts$/,
  },
];

/** The rolldown options of the bundle: `main` (default src/cli/index.ts, whose main() bin runs)
 *  becomes mmlab.js, the worker entry worker.js and the code-cache loader start.js, in `dir`. */
export function bundleOptions(
  dir: string,
  main = join(ROOT, "src/cli/index.ts"),
): InputOptions & { output: OutputOptions } {
  return {
    input: {
      mmlab: main,
      worker: join(ROOT, "src/exp/worker.ts"),
      start: join(ROOT, "src/cli/code-cache.ts"),
    },
    platform: "node",
    external: (id) => BUNDLE_EXTERNAL.some((p) => id === p || id.startsWith(`${p}/`)),
    logLevel: "silent",
    treeshake: { moduleSideEffects: [{ test: APART, sideEffects: false }] },
    output: {
      dir,
      format: "cjs",
      entryFileNames: "[name].js",
      chunkFileNames: "[name]-[hash].js",
      codeSplitting: {
        groups: CHUNK_GROUPS.map((g, i) => ({
          ...g,
          priority: CHUNK_GROUPS.length - i, // the first group that names a module takes it
          includeDependenciesRecursively: false,
        })),
      },
      sourcemap: true,
      // Whitespace and comments out (the sources are a third comments): less for V8 to scan at
      // each start-up. Names stay (profiles, stack traces, the source map maps the rest).
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } },
      comments: false,
    },
  };
}

/** Build the bundle into `dir` (emptied first), with the package.json that makes its .js files
 *  CommonJS, the build's identity (BUILD_ID_NAME, buildId()) and its later-loaded modules'
 *  chunks (CHUNKS_NAME, chunkMap()); returns rolldown's output. */
export async function buildBundle(dir = BUNDLE_DIR, main?: string): Promise<RolldownOutput> {
  const { build } = await import("rolldown");
  rmSync(dir, { recursive: true, force: true });
  const out = await build({ ...bundleOptions(dir, main), write: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  writeFileSync(join(dir, BUILD_ID_NAME), `${buildId(out)}\n`);
  writeFileSync(join(dir, CHUNKS_NAME), `${JSON.stringify(chunkMap(out))}\n`);
  return out;
}

/** The chunk of each of mmlab's modules an import() loads (CHUNKS_NAME: its source path from the
 *  repository, "/"-separated, to the chunk's file name), so that bin/mmlab.js can load one at once
 *  when a command needs it synchronously (the translator, at a hart's first jit chunk). */
export function chunkMap(out: RolldownOutput): Record<string, string> {
  const map: Record<string, string> = {};
  for (const o of out.output) {
    if (o.type !== "chunk" || !o.isDynamicEntry || o.facadeModuleId === null) continue;
    const source = relative(ROOT, o.facadeModuleId).split("\\").join("/");
    if (source.startsWith("src/")) map[source] = o.fileName; // not packages (yaml)
  }
  return map;
}

/** The identity of a build: 16 hex digits of a SHA-256 of its chunks' names and texts. The code
 *  cache keeps the text of the generated interpreters under it (src/cli/code-cache.ts,
 *  compileGenerated): that text is a function of the build's code. */
export function buildId(out: RolldownOutput): string {
  const h = createHash("sha256");
  const chunks = out.output
    .filter((o) => o.type === "chunk")
    .sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
  for (const c of chunks) h.update(`${c.fileName}\0${c.code}\0`);
  return h.digest("hex").slice(0, 16);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildBundle();
  const bytes = out.output.reduce((n, o) => n + (o.type === "chunk" ? o.code.length : 0), 0);
  process.stdout.write(
    `bundle: ${out.output.filter((o) => o.type === "chunk").length} chunks, ${Math.round(bytes / 1024)} KiB in ${BUNDLE_DIR}\n`,
  );
}
