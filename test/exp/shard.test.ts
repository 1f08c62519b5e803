// --shard I/N and `mmlab exp merge`: the slices are disjoint and cover the plan; the merge of a
// built-in experiment's shards and of a sweep's writes what a single run writes (what is
// compared: NAME.csv byte for byte, and in NAME.json format, experiment, quick, params, planHash,
// columns and rows; the sweep's wall_s column aside, the one that differs from run to run; the
// SVG plots byte for byte; host, elapsedSeconds, jobs and `merged` may differ); and the
// refusals: shards of other parameters, another split, a missing shard, a shard twice.

import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ExpResult, parseShard, shardIndices } from "../../src/exp/index.js";
import { expectOneLine, mmlab, tempDirPerTest } from "../helpers/cli.js";
import { compared, dropColumn } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-shard-");
const HELLO = "guests/bin/hello.nolibc.elf";

const read = (dir: string, f: string): string => readFileSync(join(dir, f), "utf8");
const json = (dir: string, f: string): ExpResult => JSON.parse(read(dir, f)) as ExpResult;

async function ok(...args: string[]): Promise<string> {
  const r = await mmlab(...args);
  if (r.status !== 0) throw new Error(`mmlab ${args.join(" ")}: status ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe("--shard I/N", () => {
  it("deals the points round-robin: shards are disjoint and cover the plan", () => {
    const slices = [1, 2, 3].map((index) => shardIndices(10, { index, count: 3 }));
    expect(slices).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ]);
    expect(shardIndices(2, { index: 3, count: 3 })).toEqual([]);
    expect(parseShard("2/5")).toEqual({ index: 2, count: 5 });
    for (const bad of ["0/3", "4/3", "1/0", "1", "a/b", "1/3/4", "-1/3"])
      expect(() => parseShard(bad)).toThrow(/expected I\/N with 1 <= I <= N/);
  });

  it("lazy-purge --quick: the merge of three shards is the single run", async () => {
    const single = join(tmp.dir, "single");
    const shards = join(tmp.dir, "shards");
    const merged = join(tmp.dir, "merged");
    const report = await ok("exp", "lazy-purge", "--quick", "--out", single);
    for (const i of [1, 2, 3]) {
      const out = await ok("exp", "lazy-purge", "--quick", "--out", shards, "--shard", `${i}/3`);
      expect(out).toMatch(new RegExp(`^lazy-purge: shard ${i}/3: \\d+ rows of 20 points`));
    }
    expect(readdirSync(shards).sort()).toEqual(
      [1, 2, 3]
        .flatMap((i) => ["csv", "journal.jsonl", "json"].map((x) => `lazy-purge.shard-${i}-of-3.${x}`))
        .sort(),
    );
    const mergeReport = await ok("exp", "merge", shards, "--out", merged);
    expect(read(merged, "lazy-purge.csv")).toBe(read(single, "lazy-purge.csv"));
    expect(compared(json(merged, "lazy-purge.json"))).toEqual(compared(json(single, "lazy-purge.json")));
    for (const svg of readdirSync(single).filter((f) => f.endsWith(".svg")))
      expect(read(merged, svg)).toBe(read(single, svg));
    // The same table; only the first line (rows, time) says where the rows came from.
    const body = (s: string): string =>
      s
        .split("\n")
        .slice(1)
        .join("\n")
        .replace(/^wrote .*$/m, "");
    expect(body(mergeReport)).toBe(body(report));
    expect(mergeReport).toMatch(/merged from 3 shards/);
    const m = json(merged, "lazy-purge.json");
    expect(m.merged?.map((s) => s.shard)).toEqual(["1/3", "2/3", "3/3"]);
  }, 120_000);

  it("a sweep: the merge of two shards is the single run (wall time aside)", async () => {
    const args = [
      "--tlb",
      "tiny,zen2",
      "--append",
      "kasan=off",
      "--append",
      "transparent_hugepage=always",
      "--",
      HELLO,
    ];
    const single = join(tmp.dir, "single");
    const merged = join(tmp.dir, "merged");
    await ok("exp", "sweep", "--out", single, ...args);
    for (const i of [1, 2])
      await ok("exp", "sweep", "--out", join(tmp.dir, `s${i}`), "--shard", `${i}/2`, ...args);
    // Files, not directories, and in any order.
    await ok(
      "exp",
      "merge",
      join(tmp.dir, "s2", "sweep.shard-2-of-2.json"),
      join(tmp.dir, "s1", "sweep.shard-1-of-2.json"),
      "--out",
      merged,
    );
    expect(dropColumn(read(merged, "sweep.csv"), "wall_s")).toBe(
      dropColumn(read(single, "sweep.csv"), "wall_s"),
    );
    expect(compared(json(merged, "sweep.json"), ["wall_s"])).toEqual(
      compared(json(single, "sweep.json"), ["wall_s"]),
    );
    for (const svg of ["sweep.svg", "sweep-walks.svg"]) expect(read(merged, svg)).toBe(read(single, svg));
  }, 120_000);

  it("refuses shards of other parameters, another split, a missing shard, a shard twice", async () => {
    const d = (n: string): string => join(tmp.dir, n);
    const sweep = (out: string, shard: string, tlb = "tiny"): Promise<string> =>
      ok("exp", "sweep", "--out", d(out), "--shard", shard, "--tlb", tlb, "--", HELLO);
    await sweep("a", "1/2");
    await sweep("a", "2/2");
    await sweep("other", "2/2", "zen2");
    await sweep("three", "2/3");
    mkdirSync(d("copy"));
    copyFileSync(join(d("a"), "sweep.shard-1-of-2.json"), join(d("copy"), "sweep.shard-1-of-2.json"));
    const f = (dir: string, i: number, n = 2): string => join(d(dir), `sweep.shard-${i}-of-${n}.json`);
    await ok("exp", "lazy-purge", "--quick", "--shard", "2/2", "--out", d("lp"));
    for (const [args, message] of [
      [[f("a", 1)], /shard 2\/2 of sweep is missing \(have 1\/2\)/],
      [[d("a"), d("copy")], new RegExp(`shard 1/2 is given twice: ${f("a", 1)} and ${f("copy", 1)}`)],
      [
        [f("a", 1), f("other", 2)],
        new RegExp(
          `${f("a", 1)} and ${f("other", 2)} are shards of different parameter sets \\(plans [0-9a-f]{12} and`,
        ),
      ],
      [
        [f("a", 1), f("three", 2, 3)],
        /is shard 1\/2, .* is shard 2\/3: the shards must split the plan the same way/,
      ],
      [[f("a", 1), d("lp")], /is a shard of sweep, .* of lazy-purge: merge the shards of one experiment/],
      [[d("nonexistent")], /nonexistent: no such file or directory/],
      [[d("copy"), tmp.dir], /: no shard results \(NAME.shard-I-of-N.json\) in it/],
    ] as const) {
      const r = await mmlab("exp", "merge", ...args, "--out", d("m"));
      expect(r.status).toBe(2);
      expectOneLine(r.stderr);
      expect(r.stderr).toMatch(message);
    }
    await ok("exp", "merge", d("a"), "--out", d("whole"));
    const notShard = await mmlab("exp", "merge", join(d("whole"), "sweep.json"));
    expect(notShard.stderr).toMatch(/sweep.json: a whole result of sweep, not a shard: nothing to merge/);
    const plot = await mmlab("exp", "plot", f("a", 1));
    expect(plot.status).toBe(2);
    expect(plot.stderr).toMatch(/shard 1\/2 of a result, not a whole one: merge the shards first/);
    const bad = await mmlab("exp", "thp", "--shard", "3/2");
    expect(bad.stderr).toMatch(/bad value '3\/2' for '--shard': expected I\/N with 1 <= I <= N/);
  }, 120_000);
});
