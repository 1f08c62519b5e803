// `mmlab exp` as processes of their own: a sweep on worker threads (--jobs 2) gives the rows of
// one run in the main thread (--jobs 1); a sweep killed with SIGKILL after its first point's
// journal line resumes (--resume) where it stopped and ends with the rows of an uninterrupted run;
// and the GNU parallel recipe of docs/experiments.md runs the shards, whose merge is the single
// run (skipped, with the reason, where Debian's `parallel` is not installed: .ci/run installs it).

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ExpResult } from "../../src/exp/index.js";
import { mmlab, tempDirPerTest } from "../helpers/cli.js";
import {
  mmlabCommand,
  outcome,
  removeMmlabBundle,
  runProgram,
  startMmlab,
  usesWorkers,
} from "../helpers/process.js";
import { compared, dropColumn } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-proc-");
afterAll(removeMmlabBundle);

const read = (dir: string, f: string): string => readFileSync(join(dir, f), "utf8");
const json = (dir: string, f: string): ExpResult => JSON.parse(read(dir, f)) as ExpResult;

/** The whole lines of a journal (none while it does not exist). */
function journalLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .slice(0, -1);
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The single-run outputs must equal: the CSV and JSON rows with wall_s left out, the plots. */
function expectSameRun(dir: string, single: string): void {
  expect(dropColumn(read(dir, "sweep.csv"), "wall_s")).toBe(dropColumn(read(single, "sweep.csv"), "wall_s"));
  expect(compared(json(dir, "sweep.json"), ["wall_s"])).toEqual(
    compared(json(single, "sweep.json"), ["wall_s"]),
  );
  for (const svg of ["sweep.svg", "sweep-walks.svg"]) expect(read(dir, svg)).toBe(read(single, svg));
}

const PTRCHASE = ["guests/bin/ptrchase.nolibc.elf", "256k", "4096", "20000"];
const SWEEP = [
  "--tlb",
  "tiny,skylake,zen2",
  "--append",
  "kasan=off",
  "--append",
  "transparent_hugepage=always",
];

describe("mmlab exp as a process", () => {
  it("--jobs 2 runs the points on worker threads and writes the rows --jobs 1 writes", async () => {
    expect(await usesWorkers()).toBe(true); // the bundle has the worker entry beside mmlab.js
    const sweep = ["--tlb", "tiny,zen2", "--append", "kasan=off", "--append", "transparent_hugepage=always"];
    const run = async (jobs: string): Promise<string> => {
      const dir = join(tmp.dir, `jobs${jobs}`);
      const r = await outcome(
        await startMmlab(["exp", "sweep", "--jobs", jobs, "--out", dir, ...sweep, "--", ...PTRCHASE]),
      );
      expect(r.stderr).not.toMatch(/warning|error/i);
      expect(r.status).toBe(0);
      return dir;
    };
    const one = await run("1");
    const two = await run("2");
    expect([json(one, "sweep.json").jobs, json(two, "sweep.json").jobs]).toEqual([1, 2]);
    expect(json(two, "sweep.json").rows.map((r) => r.point)).toEqual([1, 2, 3, 4]);
    expectSameRun(two, one);
  }, 600_000);

  it("a sweep killed with SIGKILL resumes where it stopped and ends as an uninterrupted run", async () => {
    const dir = join(tmp.dir, "killed");
    const journal = join(dir, "sweep.journal.jsonl");
    const args = (...more: string[]): string[] => [
      "exp",
      "sweep",
      "--jobs",
      "1",
      "--out",
      dir,
      ...more,
      ...SWEEP,
      "--",
      ...PTRCHASE,
    ];
    const child = await startMmlab(args());
    const ended = outcome(child);
    await until("the first point's journal line", () => journalLines(journal).length >= 2, 240_000);
    child.kill("SIGKILL");
    const killed = await ended;
    expect(killed.signal).toBe("SIGKILL");
    const kept = journalLines(journal);
    expect(readFileSync(journal, "utf8").endsWith("\n")).toBe(true); // the running point left nothing
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(1 + 6); // killed mid-sweep: not every point has its line
    expect(readdirSync(dir)).not.toContain("sweep.csv");
    const done = kept.length - 1;
    const resumed = await outcome(await startMmlab(args("--resume")));
    expect(resumed.stderr).toContain(`${6 - done} points to run (${done} of 6 points done, from the journal`);
    expect(resumed.status).toBe(0);
    const lines = journalLines(journal);
    expect(lines.slice(0, kept.length)).toEqual(kept); // the finished points were not run again
    expect(
      lines
        .slice(1)
        .map((l) => JSON.parse(l).point as number)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5]);
    const single = join(tmp.dir, "single");
    expect((await mmlab("exp", "sweep", "--out", single, ...SWEEP, "--", ...PTRCHASE)).status).toBe(0);
    expectSameRun(dir, single);
  }, 600_000);

  it("GNU parallel runs the shards (the recipe of docs/experiments.md); their merge is the single run", async (ctx) => {
    const which = spawnSync("parallel", ["--version"], { encoding: "utf8" });
    ctx.skip(
      which.status !== 0,
      "GNU parallel is not installed (apt-get install parallel; .ci/run installs it when it can)",
    );
    const [node, ...pre] = await mmlabCommand();
    const dir = join(tmp.dir, "shards");
    const sweep = ["--tlb", "tiny,zen2", "--append", "kasan=off", "--append", "transparent_hugepage=always"];
    const hello = ["guests/bin/hello.nolibc.elf"];
    // parallel -j 2 mmlab exp sweep ... --shard {}/3 ::: 1 2 3
    const r = await runProgram("parallel", [
      "--will-cite",
      "--halt",
      "now,fail=1",
      "-j",
      "2",
      node!,
      ...pre,
      "exp",
      "sweep",
      "--out",
      dir,
      "--shard",
      "{}/3",
      ...sweep,
      "--",
      ...hello,
      ":::",
      "1",
      "2",
      "3",
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sweep: shard 1\/3: 2 rows of 4 points/);
    expect(r.stdout).toMatch(/sweep: shard 3\/3: 1 rows of 4 points/);
    const merged = join(tmp.dir, "merged");
    const m = await mmlab("exp", "merge", dir, "--out", merged);
    expect(m.status).toBe(0);
    const single = join(tmp.dir, "single");
    expect((await mmlab("exp", "sweep", "--out", single, ...sweep, "--", ...hello)).status).toBe(0);
    expectSameRun(merged, single);
  }, 600_000);
});
