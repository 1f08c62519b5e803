// The journal: its header and one line per finished point, read back by --resume; a torn last
// line dropped, a corrupt line or another plan's journal refused; and a run resumed from it
// runs only the points it lacks and ends with the rows of an uninterrupted run.

import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ExpInputError,
  findExperiment,
  JOURNAL_FORMAT,
  Journal,
  type JournalHeader,
  type ProgressEvent,
  runExperiment,
} from "../../src/exp/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import { mmlab, tempDirPerTest } from "../helpers/cli.js";

const tmp = tempDirPerTest("mmlab-journal-");

const header = (over: Partial<JournalHeader> = {}): JournalHeader => ({
  format: JOURNAL_FORMAT,
  experiment: "thp",
  planHash: "a".repeat(64),
  shard: null,
  points: 6,
  params: { sizes: [1, 2] },
  ...over,
});

const lines = (path: string): string[] => readFileSync(path, "utf8").trimEnd().split("\n");

describe("the journal", () => {
  it("a header line, then one line per point; resume reads the points back", () => {
    const path = tmp.path("j.jsonl");
    const j = Journal.create(path, header());
    j.append(3, [{ a: 1 }]);
    j.append(0, [{ a: 2 }, { a: 3 }]);
    j.close();
    expect(lines(path).map((l) => JSON.parse(l))).toEqual([
      header(),
      { point: 3, rows: [{ a: 1 }] },
      { point: 0, rows: [{ a: 2 }, { a: 3 }] },
    ]);
    const { journal, done } = Journal.resume(path, header(), null);
    expect([...done.entries()]).toEqual([
      [3, [{ a: 1 }]],
      [0, [{ a: 2 }, { a: 3 }]],
    ]);
    journal.append(5, []);
    journal.close();
    expect(lines(path)).toHaveLength(4);
  });

  it("a torn last line (no newline: a crash during its write) is dropped and cut off", () => {
    const path = tmp.path("torn.jsonl");
    const j = Journal.create(path, header());
    j.append(1, [{ a: 1 }]);
    j.close();
    appendFileSync(path, '{"point": 2, "rows": [{"a"');
    const { journal, done } = Journal.resume(path, header(), null);
    expect([...done.keys()]).toEqual([1]);
    journal.append(2, [{ a: 2 }]);
    journal.close();
    expect(lines(path).map((l) => JSON.parse(l).point)).toEqual([undefined, 1, 2]);
  });

  it("no journal, or one cut before its header was whole: a new one", () => {
    const path = tmp.path("none.jsonl");
    expect(Journal.resume(path, header(), null).done.size).toBe(0);
    writeFileSync(path, '{"format": "mmlab-exp-jour');
    const { journal, done } = Journal.resume(path, header(), null);
    journal.close();
    expect(done.size).toBe(0);
    expect(lines(path).map((l) => JSON.parse(l))).toEqual([header()]);
  });

  it("refuses another plan's journal, naming both plans and where they differ", () => {
    const path = tmp.path("other.jsonl");
    Journal.create(path, header()).close();
    const other = header({ planHash: "b".repeat(64), params: { sizes: [1, 4] } });
    expect(() => Journal.resume(path, other, null)).toThrow(ExpInputError);
    expect(() => Journal.resume(path, other, null)).toThrow(
      `${path}: a journal of another parameter set: it holds thp, plan aaaaaaaaaaaa; this run is thp, plan ` +
        "bbbbbbbbbbbb; they differ in the parameters (first difference: sizes.1): remove the journal or choose another --out",
    );
    expect(() => Journal.resume(path, header({ experiment: "sweep" }), null)).toThrow(
      /differ in the experiment/,
    );
    expect(() => Journal.resume(path, header({ shard: "1/2" }), { index: 1, count: 2 })).toThrow(
      /it holds thp, plan a+; this run is thp shard 1\/2, plan a+; they differ in the shard/,
    );
  });

  it("refuses a corrupt line, a point twice, a point outside the plan or the shard", () => {
    const path = tmp.path("bad.jsonl");
    const write = (...ls: string[]): void =>
      writeFileSync(path, `${[JSON.stringify(header()), ...ls].join("\n")}\n`);
    write("{oops");
    expect(() => Journal.resume(path, header(), null)).toThrow(/line 2 is not JSON: a corrupt journal/);
    write('{"point": 1, "rows": []}', '{"point": 1, "rows": []}');
    expect(() => Journal.resume(path, header(), null)).toThrow(/line 3: point 2 is there twice/);
    write('{"point": 6, "rows": []}');
    expect(() => Journal.resume(path, header(), null)).toThrow(/line 2: point 7 is not in this plan/);
    writeFileSync(path, `${JSON.stringify(header({ shard: "2/3" }))}\n{"point": 0, "rows": []}\n`);
    expect(() => Journal.resume(path, header({ shard: "2/3" }), { index: 2, count: 3 })).toThrow(
      /point 1 is not in this plan \(shard 2\/3\)/,
    );
    writeFileSync(path, '{"format": "other"}\n');
    expect(() => Journal.resume(path, header(), null)).toThrow(/not an mmlab experiment journal/);
  });
});

describe("a run with a journal", () => {
  const opts = { quick: true, test: true, tlb: loadTlbConfig("skylake"), satp: null, seed: 1, jobs: 1 };

  it("--resume runs only the points the journal lacks and gives an uninterrupted run's rows", async () => {
    const exp = findExperiment("thp")!;
    const path = tmp.path("thp.journal.jsonl");
    const whole = await runExperiment(exp, { ...opts, journal: path });
    const all = lines(path);
    expect(all).toHaveLength(1 + 6);
    // As if killed after three points: the header and three lines.
    writeFileSync(path, `${all.slice(0, 4).join("\n")}\n`);
    const events: ProgressEvent[] = [];
    const resumed = await runExperiment(exp, {
      ...opts,
      journal: path,
      resume: true,
      progress: (e) => events.push(e),
    });
    expect(events[0]).toEqual({ kind: "plan", total: 6, resumed: 3, journal: path });
    const ran = events.filter((e) => e.kind === "start").map((e) => (e as { index: number }).index);
    const kept = all.slice(1, 4).map((l) => JSON.parse(l).point as number);
    expect(ran.sort()).toEqual([0, 1, 2, 3, 4, 5].filter((i) => !kept.includes(i)));
    expect(resumed.rows).toEqual(whole.rows);
    expect(resumed.planHash).toBe(whole.planHash);
    expect(lines(path)).toHaveLength(1 + 6);
  });

  it("mmlab exp --resume with other parameters: one line naming both plans, exit status 2", async () => {
    const out = tmp.path("out");
    const hello = "guests/bin/hello.nolibc.elf";
    expect((await mmlab("exp", "sweep", "--out", out, "--append", "kasan=off", "--", hello)).status).toBe(0);
    const r = await mmlab("exp", "sweep", "--out", out, "--resume", "--append", "kasan=on", "--", hello);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^mmlab: ${join(out, "sweep.journal.jsonl")}: a journal of another parameter set: it holds sweep, plan [0-9a-f]{12}; ` +
          "this run is sweep, plan [0-9a-f]{12}; they differ in the parameters \\(first difference: the points\\)",
      ),
    );
  });
});
