// What `mmlab run` loads at run time (issue 12: "a command loads only what it uses, the plotting
// stack only for plots"), seen from inside the process: the command bundled as bin/mmlab.js's is
// (test/helpers/process.ts) runs with a preload that logs every require, every file read
// through fs.readFileSync (CommonJS chunks) and every ES module resolved (import(), as the
// plotting stack is loaded). A run loads no plotting module, no experiment and no gdb stub; it loads the
// translator's chunk when it translates (the default) and not with --no-jit. The preload's
// ES module hook is checked to see a dynamic import of vega, so the test cannot pass by seeing
// nothing.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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
/** Run `node -r preload ARGS` in the repository; the lines the preload logged. */
function loads(args: readonly string[]): string[] {
  const logFile = join(dir, `log-${runs++}`);
  writeFileSync(logFile, "");
  const r = spawnSync(process.execPath, ["-r", preload, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, MMLAB_LOAD_LOG: logFile },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(logFile, "utf8").trimEnd().split("\n");
}

/** What `run` never uses: the plotting stack, the experiments, the gdb stub (without --gdb). */
const UNUSED = /vega|d3-|\/exp\/|\/registry-[\w-]{8}\.js$|\/exp-[\w-]{8}\.js$|\/gdb(-server)?-[\w-]{8}\.js$/;
const JIT_CHUNK = /\/jit-[\w-]{8}\.js$/;

describe("what `mmlab run` loads at run time", () => {
  it("the preload sees a dynamic import of the plotting stack", () => {
    const seen = loads(["--input-type=module", "-e", 'await import("vega")']);
    expect(seen.filter((l) => /^import .*vega/.test(l)).length).toBeGreaterThan(0);
  });

  it("run (translation on): the translator's chunk, no plotting module, experiment or gdb stub", async () => {
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
