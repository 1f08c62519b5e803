// Running `mmlab` in-process for the tests of the command line (test/cli) and of `mmlab exp`
// (test/exp): main() with stdout and stderr captured, the one-line error check, and a fresh
// temporary directory for each test, so that no test reads a file another test wrote.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { main } from "../../src/cli/index.js";

export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

const text = (chunk: unknown): string =>
  typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");

/** Run `mmlab ARGS` in-process, capturing what it writes. */
export async function mmlab(...args: string[]): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((c: unknown) => {
    stdout += text(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((c: unknown) => {
    stderr += text(c);
    return true;
  });
  try {
    const status = await main(args);
    return { status, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** One line on stderr, ending in a newline, and no stack trace. */
export function expectOneLine(stderr: string): void {
  expect(stderr).toMatch(/\n$/);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** `mmlab ARGS` is refused: exit status 2, nothing on stdout, one line on stderr matching
 *  `message`. */
export async function expectRefused(args: readonly string[], message: RegExp): Promise<void> {
  const r = await mmlab(...args);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expectOneLine(r.stderr);
  expect(r.stderr).toMatch(message);
}

export function writeFile(path: string, data: string | Uint8Array): string {
  writeFileSync(path, data);
  return path;
}

export interface TempDir {
  /** The current test's directory. */
  readonly dir: string;
  /** A path in it. */
  path(name: string): string;
}

/** A temporary directory per test of the calling file: made before each test, removed after
 *  it. Use it inside tests and beforeEach hooks only. */
export function tempDirPerTest(prefix = "mmlab-test-"): TempDir {
  let current: string | null = null;
  beforeEach(() => {
    current = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (current !== null) rmSync(current, { recursive: true, force: true });
    current = null;
  });
  const dir = (): string => {
    if (current === null) throw new Error("tempDirPerTest: no test is running");
    return current;
  };
  return {
    get dir() {
      return dir();
    },
    path: (name) => join(dir(), name),
  };
}
