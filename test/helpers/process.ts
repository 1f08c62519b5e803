// `mmlab` as a process of its own, for the tests that must kill it or hand it to another program
// (GNU parallel): the CLI's TypeScript sources bundled into one ES module under out/test-bin/
// (with rolldown, which vitest's vite brings; node_modules stay imports), or, when rolldown
// cannot be loaded, run through TypeScript's transpiler as a module hook (ts-loader.mjs:
// slower, the same code).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "test/helpers/mmlab-main.ts");

/** The command line that runs `mmlab`: [node, args...]. Built once per test file. */
let command: Promise<string[]> | null = null;

export function mmlabCommand(): Promise<string[]> {
  command ??= bundle();
  return command;
}

async function bundle(): Promise<string[]> {
  let build: ((o: object) => Promise<unknown>) | null = null;
  try {
    const name = "rolldown";
    ({ build } = (await import(name)) as { build: (o: object) => Promise<unknown> });
  } catch {
    build = null;
  }
  if (!build) return [process.execPath, "--import", join(ROOT, "test/helpers/ts-loader.mjs"), MAIN];
  const dir = join(ROOT, "out/test-bin");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `mmlab-${process.pid}.mjs`);
  await build({
    input: MAIN,
    platform: "node",
    external: [/^[^./]/],
    output: { file, format: "esm" },
    logLevel: "silent",
  });
  return [process.execPath, file];
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
  if (file.endsWith(".mjs") && file.includes("out/test-bin")) rmSync(file, { force: true });
  command = null;
}
