// `mmlab` as a process of its own, for the tests that must kill it, hand it to another program
// (GNU parallel) or have it run points on worker threads: the CLI's TypeScript sources bundled
// into ES modules under out/test-bin/mmlab-PID/ as bin/mmlab.js's dist/bundle/ is
// (scripts/bundle.ts, with rolldown): mmlab.js and, beside it, the worker entry worker.js, so
// that `--jobs N` runs N worker threads. When rolldown cannot be loaded, the
// sources run through TypeScript's transpiler as a module hook (ts-loader.mjs: slower, the same
// code, but every point in the main thread: `usesWorkers` says which).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { buildBundle } from "../../scripts/bundle.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "test/helpers/mmlab-main.ts");

/** The command line that runs `mmlab`: [node, args...]. Built once per test file. */
let command: Promise<string[]> | null = null;

export function mmlabCommand(): Promise<string[]> {
  command ??= bundle();
  return command;
}

/** Does the `mmlab` of mmlabCommand() run points on worker threads (the bundle does)? */
export async function usesWorkers(): Promise<boolean> {
  return (await mmlabCommand())[1]!.endsWith("mmlab.js");
}

async function bundle(): Promise<string[]> {
  const dir = join(ROOT, "out/test-bin", `mmlab-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    await buildBundle(dir, MAIN); // what bin/mmlab.js runs (scripts/bundle.ts), from MAIN
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
    return [process.execPath, "--import", join(ROOT, "test/helpers/ts-loader.mjs"), MAIN];
  }
  return [process.execPath, join(dir, "mmlab.js")];
}

/** Start `mmlab ARGS` in `cwd` (default: the repository). */
export async function startMmlab(args: readonly string[], cwd = ROOT): Promise<ChildProcess> {
  const [node, ...pre] = await mmlabCommand();
  return spawn(node!, [...pre, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

export interface ProcessOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Wait for a started process to end, with what it wrote. */
export function outcome(child: ChildProcess): Promise<ProcessOutcome> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", (status, signal) => res({ status, signal, stdout, stderr }));
  });
}

/** Run `file ARGS` (another program) to its end. */
export function runProgram(file: string, args: readonly string[], cwd = ROOT): Promise<ProcessOutcome> {
  return outcome(spawn(file, [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] }));
}

export { ROOT };

/** Remove the bundle this test file built (call in afterAll). */
export async function removeMmlabBundle(): Promise<void> {
  if (command === null) return;
  const cmd = await command;
  const file = cmd[1]!;
  if (file.endsWith("mmlab.js") && file.includes("out/test-bin"))
    rmSync(dirname(file), { recursive: true, force: true });
  command = null;
}
