// V8 settings for the `mmlab` command (bin/mmlab.js, through start.js), made before any of the
// CLI's code is compiled (V8's code cache is made and checked under the same flags).

/** Sets V8 flags, as node:v8's setFlagsFromString. */
export type FlagSetter = (flags: string) => void;

/** What v8FlagSetter() needs of `process` (tests pass their own). */
export interface FlagHost {
  binding?: (name: string) => unknown;
  emitWarning: (...args: never[]) => void;
  getBuiltinModule: (id: "node:v8") => { setFlagsFromString: FlagSetter };
}

/** V8's setFlagsFromString, taken from Node's internal binding (process.binding("v8")) where it
 *  is there, else from node:v8.
 *
 *  Why not node:v8 always: loading it loads Node's heap snapshot helpers and with them all of
 *  Node's stream modules, and once those are loaded the first guest write makes process.stdout
 *  too (src/cli/io.ts); together about 10 ms of CPU of a no-libc hello world's ~80 ms
 *  (perf stat, 20 runs each). The binding is the function node:v8 calls. Node warns once that
 *  process.binding("v8") is deprecated (DEP0111): a warning about how mmlab starts, not for the
 *  user, so process.emitWarning is muted for that one call (the warning is made synchronously;
 *  its printing would come later). */
export function v8FlagSetter(host: FlagHost = process as unknown as FlagHost): FlagSetter {
  const v8 = quietBinding(host, "v8") as { setFlagsFromString?: unknown } | undefined;
  const set = v8?.setFlagsFromString;
  if (typeof set === "function") return (flags) => set.call(v8, flags);
  return host.getBuiltinModule("node:v8").setFlagsFromString;
}

/** Node's internal binding `name` (process.binding), or undefined where there is none (another
 *  Node, or one that refuses it). Node's deprecation warning for it (DEP0111) is muted for that
 *  one call: how mmlab starts is no concern of the user's. */
export function quietBinding(host: Pick<FlagHost, "binding" | "emitWarning">, name: string): unknown {
  const binding = host.binding;
  if (typeof binding !== "function") return undefined;
  const emit = host.emitWarning;
  host.emitWarning = () => {};
  try {
    return binding.call(host, name);
  } catch {
    return undefined; // no such binding in this Node
  } finally {
    host.emitWarning = emit;
  }
}

/** zlib's CRC-32 of `data` continuing from `value`, as node:zlib's crc32. */
type Crc32 = (data: Uint8Array, value: number) => number;

/** CRC-32, from Node's zlib binding (the function node:zlib's crc32 calls), else node:zlib
 *  (Node >= 20.15 has it): set on first use.
 *
 *  Why not node:zlib always: it loads Node's stream modules (about 10 ms at start-up; see
 *  v8FlagSetter). Why not a digest of our own in WebAssembly (as before): V8 tiers a wasm
 *  function up to TurboFan once it has run long enough, and the ~750 KB a hello world's cache
 *  files hold got there, which held the main thread 4-10 ms (measured on that digest alone, and
 *  not at all with --liftoff-only); and a second WebAssembly memory (10 GiB of address space
 *  reserved, its pages touched) for nothing else. zlib's is native code: 0.1-0.2 ms for 400 KB.
 *  (The code cache's files and the translation cache's seal both use it.) */
let crc32Fn: Crc32 | null = null;

/** zlib's CRC-32 of `data`, continuing from `value` (0: a new one). */
export function crc32(data: Uint8Array, value = 0): number {
  if (crc32Fn === null) {
    const zlib = quietBinding(process as unknown as FlagHost, "zlib") as { crc32?: unknown } | undefined;
    const fromBinding = zlib?.crc32;
    crc32Fn =
      typeof fromBinding === "function"
        ? (d, v) => fromBinding.call(zlib, d, v) as number
        : (process.getBuiltinModule("node:zlib") as { crc32: Crc32 }).crc32;
  }
  return crc32Fn(data, value);
}

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
 *  machine, --trace-opt on bench_coremark) whose code would serve for a few milliseconds.
 *
 *  WebAssembly branch hints (the proposal's metadata.code.branch_hint section, which the
 *  translator's regions carry: src/cpu/jit/region.ts): TurboFan then makes the arms hinted
 *  unlikely (a load's or store's host-TLB miss, a budget exit) deferred code, out of line, and
 *  spills values live across their calls there instead of on the hot path (docs/jit.md "Branch
 *  hints and loops of blocks"). Without the flag V8 ignores the section. */
export function tuneV8(set: FlagSetter = v8FlagSetter()): void {
  set("--no-use-osr");
  set("--allow-natives-syntax");
  set("--experimental-wasm-branch-hinting");
}
