// `mmlab exp`: the list, a --quick run end to end, redrawing plots from a saved JSON, the
// progress bar, and bad arguments (one line on stderr, exit status 2).

import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXPERIMENTS, ProgressBar, ProgressLog } from "../../src/exp/index.js";
import { expectOneLine, expectRefused, mmlab, tempDirPerTest } from "../helpers/cli.js";
import { parseCsv, runAndWrite } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-exp-");

/** A result as read back from its JSON, to spoil. */
interface Saved {
  rows: unknown[];
  params: unknown;
  columns: unknown[];
  planHash: unknown;
}
type Obj = Record<string, unknown>;

describe("mmlab exp", () => {
  it("list describes the six experiments", async () => {
    const r = await mmlab("exp", "list");
    expect(r.status).toBe(0);
    expect(EXPERIMENTS.map((e) => e.name)).toEqual([
      "tlb-reach",
      "vrealloc",
      "lazy-purge",
      "shootdown",
      "walk-cost",
      "thp",
    ]);
    for (const e of EXPERIMENTS) expect(r.stdout).toMatch(new RegExp(`^${e.name}\\s+\\S`, "m"));
    expect(r.stdout).toContain("--satp");
    expect(r.stderr).toBe("");
  });

  it("tlb-reach --quick writes CSV, JSON and plots and prints a table", async () => {
    const out = join(tmp.dir, "quick");
    const r = await mmlab("exp", "tlb-reach", "--quick", "--out", out, "--tlb", "zen2");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^working set\s+4k L1\s+4k L2\s+4k walks\/1k\s+2m L1/m);
    expect(r.stdout).toMatch(/^16 GiB\s/m);
    expect(r.stdout).toContain("L1 4k  dtlb: 64 x 4 KiB = 256 KiB");
    for (const f of ["tlb-reach.csv", "tlb-reach.json", "tlb-reach.svg", "tlb-reach-walks.svg"]) {
      expect(readdirSync(out)).toContain(f);
      expect(r.stdout).toContain(join(out, f));
    }
    const csv = parseCsv(readFileSync(join(out, "tlb-reach.csv"), "utf8"));
    expect(csv).toHaveLength(1 + 3 * 11); // 16 KiB .. 16 GiB by 4x, three page sizes
    const json = JSON.parse(readFileSync(join(out, "tlb-reach.json"), "utf8"));
    expect(json.params.tlb.name).toBe("zen2");
    expect(json.params.mode).toBe("sv48");
    expect(json.quick).toBe(true);
    // About 20 s alone; a loaded 2-core machine running the suite's workers beside it took 63 s.
  }, 240_000);

  it("plot FILE.json redraws the same SVGs from the saved result", async () => {
    const out = join(tmp.dir, "saved");
    await runAndWrite("tlb-reach", out);
    const svgs = ["tlb-reach.svg", "tlb-reach-walks.svg"];
    const before = svgs.map((f) => readFileSync(join(out, f), "utf8"));
    for (const f of svgs) rmSync(join(out, f));
    const r = await mmlab("exp", "plot", join(out, "tlb-reach.json"));
    expect(r.status).toBe(0);
    expect(svgs.map((f) => readFileSync(join(out, f), "utf8"))).toEqual(before);
    // Elsewhere with --out.
    const other = join(tmp.dir, "replot");
    const r2 = await mmlab("exp", "plot", join(out, "tlb-reach.json"), "--out", other);
    expect(r2.status).toBe(0);
    expect(readFileSync(join(other, "tlb-reach.svg"), "utf8")).toBe(before[0]);
  });

  it.each([
    [["exp"], /no experiment given/],
    [["exp", "nosuch"], /unknown experiment 'nosuch': the experiments are tlb-reach, vrealloc/],
    [["exp", "tlb-reach", "extra"], /unexpected argument 'extra'/],
    [["exp", "list", "extra"], /unexpected argument 'extra' after 'list'/],
    [["exp", "tlb-reach", "--jobs", "0"], /bad value '0' for '--jobs'/],
    [["exp", "tlb-reach", "--jobs", "many"], /bad value 'many' for '--jobs'/],
    [["exp", "tlb-reach", "--tlb", "nosuch"], /bad value 'nosuch' for '--tlb': no such preset/],
    [["exp", "tlb-reach", "--satp", "sv99"], /bad value 'sv99' for '--satp'/],
    // The same --satp as run, boot and console: the mode names only.
    [["exp", "tlb-reach", "--satp", "9"], /bad value '9' for '--satp': expected 'sv39', 'sv48', 'sv57'/],
    [["exp", "lazy-purge", "--satp", "sv39"], /lazy-purge runs the kernel, which uses sv48/],
    [["exp", "tlb-reach", "--seed", "-1"], /unknown option '-1'|bad value/],
    [["exp", "tlb-reach", "--bogus"], /unknown option '--bogus'/],
    [["exp", "plot"], /'plot' needs a result file/],
    [["exp", "plot", "/nonexistent/x.json"], /\/nonexistent\/x.json: no such file/],
  ])("mmlab %j: one line, exit status 2", (args, message) => expectRefused(args, message));

  it("a file that is not a result: one line, exit status 2", async () => {
    const bad = join(tmp.dir, "bad.json");
    for (const [text, message] of [
      ["{not json", /not valid JSON/],
      ['{"format": "other"}', /not an mmlab experiment result/],
      [
        '{"format": "mmlab-exp/1", "experiment": "nosuch", "rows": [], "columns": []}',
        /unknown experiment 'nosuch'/,
      ],
    ] as const) {
      writeFileSync(bad, text);
      const r = await mmlab("exp", "plot", bad);
      expect(r.status).toBe(2);
      expectOneLine(r.stderr);
      expect(r.stderr).toMatch(message);
    }
  });

  it("a result whose params or rows are not what its experiment writes: the file and the place, status 2", async () => {
    const out = join(tmp.dir, "saved");
    await runAndWrite("lazy-purge", out);
    const good = JSON.parse(readFileSync(join(out, "lazy-purge.json"), "utf8"));
    const bad = join(tmp.dir, "bad.json");
    for (const [change, message] of [
      [(o: Saved) => (o.rows = [1, 2]), "bad.json: row 1 is 1, not an object of column values"],
      [(o: Saved) => (o.rows[2] = null), "bad.json: row 3 is null"],
      [(o: Saved) => ((o.rows[1] as Obj).harts = "2"), "bad.json: row 2: 'harts' is \"2\", not a number"],
      [
        (o: Saved) => ((o.rows[0] as Obj).tlb = { a: 1 }),
        "bad.json: row 1: 'tlb' is {\"a\":1}, not a string",
      ],
      [(o: Saved) => (o.params = null), "bad.json: params is null, not an object"],
      [(o: Saved) => delete (o.params as Obj).areaSize, "bad.json: params.areaSize is missing, not a number"],
      [
        (o: Saved) => (((o.params as Obj).tlb as Obj).dtlb = 3),
        "bad.json: params.tlb: 'dtlb' must be a non-empty array",
      ],
      [(o: Saved) => (o.columns = [1]), "bad.json: columns[0] is 1, not an object"],
      [(o: Saved) => (o.planHash = 5), "bad.json: result.planHash is 5, not a string"],
    ] as const) {
      const o = structuredClone(good);
      change(o);
      writeFileSync(bad, JSON.stringify(o));
      for (const args of [
        ["plot", bad],
        ["merge", bad],
      ]) {
        const r = await mmlab("exp", ...args);
        expect([r.status, r.stdout], `${args[0]}: ${message}\n${r.stderr}`).toEqual([2, ""]);
        expectOneLine(r.stderr);
        expect(r.stderr).toContain(message);
      }
    }
  });

  it("an --out that cannot be a directory: one line, exit status 2, before running", async () => {
    const file = join(tmp.dir, "a-file");
    writeFileSync(file, "");
    const r = await mmlab("exp", "thp", "--out", join(file, "sub"));
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain("cannot write the results: ENOTDIR");
  });

  it("a bad TLB preset file: one line, exit status 2", async () => {
    const file = join(tmp.dir, "bad-tlb.json");
    writeFileSync(file, JSON.stringify({ itlb: [], dtlb: [] }));
    const r = await mmlab("exp", "tlb-reach", "--tlb", file);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain("'itlb' must be a non-empty array");
  });
});

describe("the progress bar", () => {
  const stream = (tty: boolean) => {
    const s = {
      isTTY: tty,
      columns: 100,
      text: "",
      write: (t: string): boolean => {
        s.text += t;
        return true;
      },
    };
    return s;
  };

  it("stays silent when stderr is not a terminal", () => {
    const s = stream(false);
    let t = 0;
    const bar = new ProgressBar("mmlab exp x", 10, s, () => t);
    t = 5000;
    for (let i = 1; i <= 10; i++) bar.update(i);
    bar.clear();
    expect(s.text).toBe("");
  });

  it("on a terminal, shows up after half a second and is erased at the end", () => {
    const s = stream(true);
    let t = 0;
    const bar = new ProgressBar("mmlab exp x", 10, s, () => t);
    bar.update(1);
    expect(s.text).toBe(""); // a short sweep never shows it
    t = 1000;
    bar.update(5);
    expect(s.text).toBe(`\rmmlab exp x [${"#".repeat(20)}${"-".repeat(20)}] 5/10 0:01 eta 0:01\x1b[K`);
    bar.clear();
    expect(s.text.endsWith("\r\x1b[K")).toBe(true);
  });

  it("shows the point that runs, cut to the terminal's width", () => {
    const s = stream(true);
    let t = 0;
    const bar = new ProgressBar("mmlab exp sweep", 4, s, () => t);
    t = 2000;
    bar.update(1, "#2 tlb=zen2 append='transparent_hugepage=always'");
    expect(s.text).toBe(
      `\rmmlab exp sweep [${"#".repeat(10)}${"-".repeat(30)}] 1/4 0:02 eta 0:06 #2 tlb=zen2 append=...\x1b[K`,
    );
    expect(s.text.length - "\r\x1b[K".length).toBe(100 - 1);
  });

  it("elsewhere, ProgressLog writes one plain line per finished point", () => {
    const lines: string[] = [];
    let t = 0;
    const log = new ProgressLog(
      "mmlab exp sweep",
      3,
      (l) => lines.push(l),
      () => t,
    );
    t = 10_000;
    log.done(1, "#1 tlb=tiny");
    t = 20_000;
    log.done(3, "#3 tlb=zen2");
    expect(lines).toEqual([
      "mmlab exp sweep: 1/3 done (#1 tlb=tiny) at 0:10, eta 0:20\n",
      "mmlab exp sweep: 3/3 done (#3 tlb=zen2) at 0:20\n",
    ]);
  });
});
