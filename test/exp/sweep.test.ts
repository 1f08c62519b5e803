// `mmlab exp sweep`: the cross product and points files, the plan's refusals, a point that is
// the run `mmlab run --stats=json` makes, the CSV/JSON/plots of a whole sweep, a program whose
// output changes between points, and bad arguments.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  crossProduct,
  ExpInputError,
  ExpOptionError,
  type ExpResult,
  planSweep,
  readPointsFile,
  readResult,
  type SweepSpec,
} from "../../src/exp/index.js";
import { expectRefused, mmlab, tempDirPerTest } from "../helpers/cli.js";
import { satpProbe } from "../helpers/programs.js";
import { csvRows, parseCsv } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-sweep-");
const HELLO = "guests/bin/hello.nolibc.elf";

function spec(over: Partial<SweepSpec>): SweepSpec {
  return {
    program: HELLO,
    args: [],
    bare: false,
    points: [{}],
    repeat: 1,
    env: [],
    mounts: [],
    maxInsns: null,
    mem: 1 << 30,
    seed: 1,
    ...over,
  };
}

describe("the sweep's points", () => {
  it("the cross product: tlb outermost, then append, harts, satp, args", () => {
    const points = crossProduct({
      tlb: ["skylake", "zen2"],
      append: ["a=1", "a=2 b=3"],
      harts: [1, 2],
      satp: [],
      args: [["x"], ["y", "z"]],
    });
    expect(points).toHaveLength(2 * 2 * 2 * 2);
    expect(points[0]).toEqual({ tlb: "skylake", append: "a=1", harts: 1, args: ["x"] });
    expect(points[1]).toEqual({ tlb: "skylake", append: "a=1", harts: 1, args: ["y", "z"] });
    expect(points[2]).toEqual({ tlb: "skylake", append: "a=1", harts: 2, args: ["x"] });
    expect(points[4]!.append).toBe("a=2 b=3");
    expect(points[8]!.tlb).toBe("zen2");
    expect(crossProduct({})).toEqual([{}]);
  });

  it("the plan: each point --repeat times, numbered, defaults filled in, the program hashed", () => {
    const { params, points } = planSweep(
      spec({ points: crossProduct({ tlb: ["tiny", "zen2"] }), repeat: 2, args: ["a"] }),
    );
    expect(points.map((q) => [q.n, q.tlb, q.repeat])).toEqual([
      [1, "tiny", 1],
      [2, "tiny", 2],
      [3, "zen2", 1],
      [4, "zen2", 2],
    ]);
    expect(points[0]).toMatchObject({ append: "", harts: 1, satp: "", args: ["a"] });
    expect(Object.keys(params.tlbs)).toEqual(["tiny", "zen2"]);
    expect(params.program.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(params.program.bytes).toBe(readFileSync(HELLO).length);
  });

  it.each([
    [{ points: [{ satp: "sv39" }] }, ExpOptionError, /--satp sv39 needs --bare: the kernel uses Sv48/],
    [{ bare: true, args: ["x"] }, ExpOptionError, /a --bare program takes no arguments/],
    [{ bare: true, points: [{ append: "a=1" }] }, ExpOptionError, /--append is for the kernel, not --bare/],
    [{ points: [{}, { tlb: "nosuch" }] }, ExpOptionError, /bad value 'nosuch' for '--tlb': no such preset/],
    [{ points: [{}, { satp: "sv99" }] }, ExpOptionError, /point 2: bad value 'sv99' for satp/],
    [{ program: "/nonexistent/prog" }, ExpInputError, /\/nonexistent\/prog: no such file/],
  ])("the plan refuses %j", (over, kind, message) => {
    expect(() => planSweep(spec(over))).toThrow(kind);
    expect(() => planSweep(spec(over))).toThrow(message);
  });

  it("a points file: a list, a cross product with repeat, YAML; bad ones named by file and point", async () => {
    const file = (name: string, text: string): string => {
      const path = join(tmp.dir, name);
      writeFileSync(path, text);
      return path;
    };
    const list = await readPointsFile(file("l.json", '[{"tlb": "zen2", "args": ["1m"]}, {"harts": 2}]'));
    expect(list).toEqual({ points: [{ tlb: "zen2", args: ["1m"] }, { harts: 2 }], repeat: null });
    const cross = await readPointsFile(
      file("c.json", '{"tlb": ["tiny", "zen2"], "append": "x=1", "args": [["a"], ["b"]], "repeat": 3}'),
    );
    expect(cross.repeat).toBe(3);
    expect(cross.points).toEqual(
      crossProduct({ tlb: ["tiny", "zen2"], append: ["x=1"], args: [["a"], ["b"]] }),
    );
    const yaml = await readPointsFile(
      file(
        "p.yaml",
        "tlb: [skylake, zen2]\nappend:\n  - transparent_hugepage=never\n  - transparent_hugepage=always\n",
      ),
    );
    expect(yaml.points).toHaveLength(4);
    expect(yaml.points[1]).toEqual({ tlb: "skylake", append: "transparent_hugepage=always" });
    const listed = await readPointsFile(file("r.yml", "points:\n  - tlb: tiny\n  - tlb: zen2\nrepeat: 2\n"));
    expect(listed).toEqual({ points: [{ tlb: "tiny" }, { tlb: "zen2" }], repeat: 2 });
    for (const [name, text, message] of [
      ["b1.json", '[{"tlb": "zen2", "color": 1}]', /b1.json: point 1: unknown key 'color'/],
      ["b2.json", '{"harts": [1, 0]}', /b2.json: 'harts' must be a whole number from 1 to 64/],
      ["b3.json", '{"tlb": []}', /b3.json: 'tlb' is an empty list/],
      ["b4.json", "[1]", /b4.json: point 1: expected an object/],
      ["b5.json", "{not json", /b5.json: not valid JSON/],
      ["b6.yaml", "tlb: [a\n", /b6.yaml: not valid YAML/],
      ["b7.json", '{"args": [1]}', /'args' must be a list of strings/],
    ] as const) {
      await expect(readPointsFile(file(name, text))).rejects.toThrow(message);
    }
    await expect(readPointsFile(join(tmp.dir, "none.json"))).rejects.toThrow(/none.json: no such file/);
  });

  it("examples/points.yaml (docs/experiments.md, exp --help): 2 x 2 x 2 points, each twice", async () => {
    const shipped = await readPointsFile("examples/points.yaml");
    expect(shipped.repeat).toBe(2);
    expect(shipped.points).toHaveLength(8);
    expect(shipped.points[7]).toEqual({
      tlb: "zen2",
      append: "transparent_hugepage=always",
      args: ["64m", "4096", "200000"],
    });
  });
});

/** The last line of stderr as the JSON --stats=json writes. */
function statsJson(stderr: string): {
  instret: number;
  cycles: number;
  tlb: { events: Record<string, number> };
  kernel: { vmstat: Record<string, number> };
} {
  return JSON.parse(stderr.trimEnd().split("\n").pop()!);
}

/** Run `mmlab exp sweep --out OUT ARGS...` (it must succeed): what it printed and sweep.csv's rows. */
async function sweepRows(out: string, ...args: string[]) {
  const r = await mmlab("exp", "sweep", "--out", out, ...args);
  expect(r.status).toBe(0);
  return { r, rows: csvRows(parseCsv(readFileSync(join(out, "sweep.csv"), "utf8"))) };
}

describe("mmlab exp sweep", () => {
  it("a point is the run mmlab run makes: the same status, instructions and perf events", async () => {
    const { r, rows } = await sweepRows(
      join(tmp.dir, "one"),
      "--tlb",
      "zen2",
      "--append",
      "kasan=off",
      "--",
      HELLO,
    );
    const [row] = rows;
    const run = await mmlab("run", "--tlb", "zen2", "--append", "kasan=off", "--stats=json", HELLO);
    expect(run.status).toBe(0);
    const stats = statsJson(run.stderr);
    expect(row!.status).toBe("0");
    expect(row!.reason).toBe("exited with 0");
    expect(Number(row!.instructions)).toBe(stats.instret);
    expect(Number(row!.cycles)).toBe(stats.cycles);
    for (const [k, v] of Object.entries(stats.tlb.events)) expect([k, Number(row![k])]).toEqual([k, v]);
    // The guest's stdout was captured, not printed: its hash and size are in the row.
    expect(run.stdout).toBe("hello, world\n");
    expect(r.stdout).not.toContain("hello, world");
    expect(Number(row!.stdout_bytes)).toBe(13);
    const { createHash } = await import("node:crypto");
    expect(row!.stdout_hash).toBe(createHash("sha256").update("hello, world\n").digest("hex").slice(0, 16));
    // vmstat deltas over the program's run: the pages it took are back when it has exited.
    expect(row!["vmstat.nr_free_pages"]).toBe("0");
    // hello unmaps nothing; its exit drops its ASID's entries with one whole-ASID flush.
    expect([row!["vmstat.nr_tlb_local_flush_all"], row!["vmstat.nr_tlb_local_flush_one"]]).toEqual([
      "1",
      "0",
    ]);
  });

  it("writes sweep.csv, sweep.json and the plots: one row per point, in plan order", async () => {
    const out = join(tmp.dir, "grid");
    const { r, rows: csv } = await sweepRows(
      out,
      "--tlb",
      "tiny,zen2",
      "--append",
      "transparent_hugepage=never",
      "--append",
      "transparent_hugepage=always kasan=off",
      "--repeat",
      "2",
      "--",
      HELLO,
    );
    expect(r.stdout).toMatch(/^sweep: 8 rows in /);
    expect(r.stdout).toContain("stdout: the same at every point with the same arguments");
    expect(csv.map((c) => [c.point, c.tlb, c.append, c.repeat])).toEqual([
      ["1", "tiny", "transparent_hugepage=never", "1"],
      ["2", "tiny", "transparent_hugepage=never", "2"],
      ["3", "tiny", "transparent_hugepage=always kasan=off", "1"],
      ["4", "tiny", "transparent_hugepage=always kasan=off", "2"],
      ["5", "zen2", "transparent_hugepage=never", "1"],
      ["6", "zen2", "transparent_hugepage=never", "2"],
      ["7", "zen2", "transparent_hugepage=always kasan=off", "1"],
      ["8", "zen2", "transparent_hugepage=always kasan=off", "2"],
    ]);
    for (const c of csv) {
      expect(c.output_differs).toBe("false");
      expect(Number(c.wall_s)).toBeGreaterThan(0);
      expect(Number(c.dtlb_mpki)).toBeGreaterThanOrEqual(0);
    }
    // Repeats are the same run again: the same counters (the wall time aside).
    const { wall_s: _a, point: _p, repeat: _r, ...first } = csv[0]!;
    const { wall_s: _b, point: _q, repeat: _s, ...again } = csv[1]!;
    expect(again).toEqual(first);
    const json = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8")) as ExpResult;
    expect(json.experiment).toBe("sweep");
    expect(json.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect((json.params as { program: { path: string } }).program.path).toBe(HELLO);
    expect(json.columns.map((c) => c.key)).toEqual(Object.keys(json.rows[0]!));
    expect(json.columns.find((c) => c.key === "dTLB-load-misses")?.description).toMatch(/perf event/);
    // It reads back: its params (two TLBs) and rows have the shapes `mmlab exp plot` checks.
    expect(readResult(join(out, "sweep.json")).result.rows).toEqual(json.rows);
    const svg = readFileSync(join(out, "sweep.svg"), "utf8");
    expect(svg).toContain("L1 DTLB misses per 1000 instructions");
    expect(svg).toContain("append=transparent_hugepage=always kasan=off");
    expect(readFileSync(join(out, "sweep-walks.svg"), "utf8")).toContain("page walks by leaf size");
  }, 120_000);

  it("a program whose output changes between points: a column and a warning", async () => {
    const prog = join(tmp.dir, "satp_probe.s");
    writeFileSync(prog, satpProbe());
    const { r, rows: csv } = await sweepRows(
      join(tmp.dir, "probe"),
      "--bare",
      "--satp",
      "sv39,sv48,sv57",
      "--",
      prog,
    );
    expect(csv.map((c) => [c.satp, c.status, c.stdout_bytes, c.output_differs])).toEqual([
      ["sv39", "0", "2", "false"],
      ["sv48", "0", "2", "true"],
      ["sv57", "0", "2", "true"],
    ]);
    expect(r.stderr).toMatch(
      /mmlab exp sweep: warning: the program's output differs between points: points 2, 3 printed another stdout/,
    );
  });

  it("a point that fails: its status, reason and last stderr line, and a warning", async () => {
    const { r, rows } = await sweepRows(join(tmp.dir, "fail"), "--", "guests/bin/ptrchase.nolibc.elf", "1m");
    const [row] = rows;
    expect(row!.status).toBe("2");
    expect(row!.message).toMatch(/^ptrchase: usage: ptrchase BYTES STRIDE COUNT/);
    expect(r.stderr).toMatch(/warning: point 1: exit status 2 \(exited with 2\): ptrchase: usage/);
  });

  it.each([
    [["exp", "sweep"], /sweep needs a program: mmlab exp sweep \[options\] -- PROGRAM/],
    [["exp", "sweep", "--satp", "sv39", "--", HELLO], /--satp sv39 needs --bare: the kernel uses Sv48/],
    [["exp", "sweep", "--satp", "sv39,sv99", "--", HELLO], /bad value 'sv99' for '--satp'/],
    [["exp", "sweep", "--harts", "1,0", "--", HELLO], /bad value '0' for '--harts'/],
    [["exp", "sweep", "--tlb", "zen2,", "--", HELLO], /bad value 'zen2,' for '--tlb': expected a list/],
    [["exp", "sweep", "--tlb", "zen2,nosuch", "--", HELLO], /bad value 'nosuch' for '--tlb': no such preset/],
    [["exp", "sweep", "--repeat", "0", "--", HELLO], /bad value '0' for '--repeat'/],
    [["exp", "sweep", "--quick", "--", HELLO], /--quick is for the built-in experiments/],
    [["exp", "sweep", "--bare", "--env", "A=1", "--", HELLO], /'--env' is for the kernel, not --bare/],
    [["exp", "sweep", "--env", "A", "--", HELLO], /bad value 'A' for '--env': expected KEY=VALUE/],
    [["exp", "sweep", "--mount", "/nonexistent:/x", "--", HELLO], /\/nonexistent: no such file or directory/],
    [
      ["exp", "sweep", "--points", "p.json", "--tlb", "zen2", "--", HELLO],
      /--points gives the points: leave out '--tlb'/,
    ],
    [["exp", "sweep", "--", "/nonexistent/prog"], /\/nonexistent\/prog: no such file/],
    [["exp", "tlb-reach", "--append", "x"], /'--append' is for 'mmlab exp sweep', not tlb-reach/],
    [["exp", "tlb-reach", "--tlb", "zen2,tiny"], /tlb-reach takes one '--tlb'/],
    [["exp", "merge"], /'merge' needs the shards' directories or files/],
    [["exp", "merge", "--quick", "x"], /'--quick' does not apply to 'mmlab exp merge'/],
  ])("mmlab %j: one line, exit status 2", (args, message) => expectRefused(args, message));

  it("options after PROGRAM are the program's; --help after the experiment's name is mmlab's", async () => {
    const { rows } = await sweepRows(
      join(tmp.dir, "args"),
      "guests/bin/echo_args.nolibc.elf",
      "--tlb",
      "x y",
    );
    const [row] = rows;
    expect([row!.tlb, row!.args, row!.status]).toEqual(["skylake", "--tlb x y", "0"]);
    const help = await mmlab("exp", "sweep", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("mmlab exp merge DIR|FILE...");
  });
});
