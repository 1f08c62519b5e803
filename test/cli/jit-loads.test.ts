// What `mmlab run` loads at run time (issue 12: "a command loads only what it uses, the plotting
// stack only for plots"), seen from inside the process: the command bundled as bin/mmlab.js's is
// (test/helpers/process.ts) runs with a preload that logs every require, every file read
// through fs.readFileSync or opened through fs.openSync (CommonJS chunks: start.js reads them
// into reused buffers) and every ES module resolved (import(), as the
// plotting stack is loaded). A run loads no plotting module, no experiment and no gdb stub; it
// loads the translator's chunk when it translates (the default) and not with --no-jit. Through
// bin/mmlab.js's own loader (start.js, src/cli/code-cache.ts runCached), the translator's chunk is
// loaded only when a hart's starter share is used up and the program has shown hot code
// (interp.ts's heat probe): a hello world never loads it, nor a program whose code runs once,
// nor their reports (--stats gives a translating machine's zeros). The preload's ES module hook is checked to see a dynamic import of vega, so the test
// cannot pass by seeing nothing.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "../../scripts/bundle.js";
import { readChunkMap } from "../../src/cli/code-cache.js";
import { JIT_SOURCE } from "../../src/cli/machine-config.js";
import { mmlabCommand, ROOT, removeMmlabBundle } from "../helpers/process.js";

afterAll(removeMmlabBundle);

const dir = mkdtempSync(join(tmpdir(), "mmlab-loads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The preload: CommonJS, run before the command by `node -r`. */
const PRELOAD = `"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const LOG = process.env.MMLAB_LOAD_LOG;
const log = (line) => fs.appendFileSync(LOG, line + "\\n");
const read = fs.readFileSync;
fs.readFileSync = function (path) {
  if (typeof path === "string") log("read " + path);
  return read.apply(this, arguments);
};
const open = fs.openSync;
fs.openSync = function (path) {
  if (typeof path === "string") log("read " + path);
  return open.apply(this, arguments);
};
const load = Module._load;
Module._load = function (request) {
  log("require " + request);
  return load.apply(this, arguments);
};
const hooks = 'import { appendFileSync } from "node:fs";\\n' +
  "export async function resolve(s, c, next) {\\n" +
  "  const r = await next(s, c);\\n" +
  "  appendFileSync(" + JSON.stringify(LOG) + ', "import " + r.url + "\\\\n");\\n' +
  "  return r;\\n}\\n";
Module.register("data:text/javascript," + encodeURIComponent(hooks));
`;
const preload = join(dir, "preload.cjs");
writeFileSync(preload, PRELOAD);

let runs = 0;
/** Run `node -r preload ARGS` in the repository, expecting exit status `status`; the lines the
 *  preload logged, and the output. */
function loadsAndOutput(
  args: readonly string[],
  status = 0,
  env: NodeJS.ProcessEnv = {},
): { seen: string[]; stdout: string; stderr: string } {
  const logFile = join(dir, `log-${runs++}`);
  writeFileSync(logFile, "");
  const r = spawnSync(process.execPath, ["-r", preload, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env, MMLAB_LOAD_LOG: logFile },
  });
  expect(r.status, r.stderr).toBe(status);
  return {
    seen: readFileSync(logFile, "utf8").trimEnd().split("\n"),
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/** Run `node -r preload ARGS` in the repository (exit status 0); the lines the preload logged. */
function loads(args: readonly string[]): string[] {
  return loadsAndOutput(args).seen;
}

/** What `run` never uses: the plotting stack, the experiments, the gdb stub (without --gdb). */
const UNUSED = /vega|d3-|\/exp\/|\/registry-[\w-]{8}\.js$|\/exp-[\w-]{8}\.js$|\/gdb(-server)?-[\w-]{8}\.js$/;
const JIT_CHUNK = /\/jit-[\w-]{8}\.js$/;

describe("what `mmlab run` loads at run time", () => {
  it("the preload sees a dynamic import of the plotting stack", () => {
    const seen = loads(["--input-type=module", "-e", 'await import("vega")']);
    expect(seen.filter((l) => /^import .*vega/.test(l)).length).toBeGreaterThan(0);
  });

  it("run (translation on) without bin/mmlab.js's loader: the translator's chunk, no plotting module, experiment or gdb stub", async () => {
    const [, ...pre] = await mmlabCommand();
    const seen = loads([...pre, "run", "guests/bin/hello.nolibc.elf"]);
    expect(seen.filter((l) => l.startsWith("read ") && l.includes("/mmlab-")).length).toBeGreaterThan(3);
    expect(seen.filter((l) => UNUSED.test(l))).toEqual([]);
    expect(seen.filter((l) => JIT_CHUNK.test(l)).length).toBeGreaterThan(0);
  }, 120_000);

  it("run --no-jit: not the translator either", async () => {
    const [, ...pre] = await mmlabCommand();
    const seen = loads([...pre, "run", "--no-jit", "guests/bin/hello.nolibc.elf"]);
    expect(seen.filter((l) => UNUSED.test(l) || JIT_CHUNK.test(l))).toEqual([]);
  }, 120_000);
});

describe("what `mmlab run` loads through bin/mmlab.js's loader (start.js)", () => {
  const bundle = join(dir, "bundle");
  const cache = join(dir, "cache");
  /** A CommonJS runner doing what bin/mmlab.js does with a bundle. */
  const runner = join(dir, "runner.cjs");
  beforeAll(async () => {
    await buildBundle(bundle);
    writeFileSync(
      runner,
      `"use strict";\nrequire(${JSON.stringify(join(bundle, "start.js"))})` +
        `.runCached(${JSON.stringify(join(bundle, "mmlab.js"))}).then((c) => { process.exitCode = c; });\n`,
    );
  }, 120_000);

  /** Run `mmlab ARGS` through the runner, the code cache in its own directory. */
  const run = (args: readonly string[], status = 0) =>
    loadsAndOutput([runner, ...args], status, { MMLAB_CACHE_DIR: cache });

  it("names the translator's chunk in the bundle's chunk map", () => {
    const map = readChunkMap(bundle);
    expect(map.get(JIT_SOURCE)).toMatch(/^jit-[\w-]{8}\.js$/);
  });

  it("run of a hello world (translation on, the default): not the translator's chunk", () => {
    for (let i = 0; i < 2; i++) {
      // the first run writes the code cache, the second runs from it
      const r = run(["run", "guests/bin/hello.nolibc.elf"]);
      expect(r.stdout).toBe("hello, world\n");
      expect(r.seen.filter((l) => JIT_CHUNK.test(l) || UNUSED.test(l))).toEqual([]);
    }
  }, 120_000);

  it("run --stats=json of a hello world: not the translator's chunk; the report's jit member at zero", () => {
    const r = run(["run", "--stats=json", "guests/bin/hello.nolibc.elf"]);
    expect(r.seen.filter((l) => JIT_CHUNK.test(l))).toEqual([]);
    const report = JSON.parse(r.stderr) as { jit?: { regions: number; executed: number } };
    expect(report.jit).toMatchObject({ regions: 0, executed: 0 });
  }, 120_000);

  it("run --bare of code run once past the starter share: not the translator's chunk", () => {
    // 256 loops of 500 passes, distinct code one after the other (as bench/never-slower.bench.ts's
    // `once`): 512,000 instructions, no pc taken backward 1,024 times
    const loops = Array.from(
      { length: 256 },
      (_, k) =>
        `    li s1, 500\nl${k}: addi a0, a0, ${k + 1}\n    xor a1, a1, a0\n    addi s1, s1, -1\n    bnez s1, l${k}`,
    );
    const src = join(dir, "once.s");
    writeFileSync(
      src,
      `    .text\n    .globl _start\n_start:\n${loops.join("\n")}\n    li t0, 0x100000\n    li t1, 0x5555\n    sw t1, 0(t0)\n9:  j 9b\n`,
    );
    const r = run(["run", "--bare", "--stats=json", src]);
    expect(r.seen.filter((l) => JIT_CHUNK.test(l))).toEqual([]);
    const report = JSON.parse(r.stderr.slice(r.stderr.indexOf("{"))) as {
      instret: number;
      jit?: { regions: number };
    };
    expect(report.instret).toBeGreaterThan(500_000);
    expect(report.jit).toMatchObject({ regions: 0 });
  }, 120_000);

  it("run past the starter share: the translator's chunk, and code translated", () => {
    const r = run(["run", "--bare", "--max-insns", "2M", "--stats=json", "guests/bin/bench_bare.elf"], 124);
    expect(r.seen.filter((l) => JIT_CHUNK.test(l)).length).toBeGreaterThan(0);
    const report = JSON.parse(r.stderr.slice(r.stderr.indexOf("{"))) as { jit?: { executed: number } };
    expect(report.jit?.executed).toBeGreaterThan(0);
  }, 120_000);
});
