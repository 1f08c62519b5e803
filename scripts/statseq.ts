// Issue 12's exactness check on the real-program suite: `mmlab run --stats=json` with and without
// --no-jit must print the same output and the same statistics, the host's figures aside (wall
// time, MIPS and the translator's own report), for every bench program of guests/bin under each
// TLB preset on one hart, and on two harts under tiny and skylake.
//
//   npm run statseq                 5 programs x 6 presets + 4 two-hart runs (34 configurations)
//   npm run statseq -- --quick      the tiny and skylake presets only (14)
//
// The two runs of a configuration go side by side. One line per configuration; exit status 1 on
// any difference.

import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository: this file runs as dist/scripts/statseq.js. */
const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const PROGRAMS = ["coremark", "sort", "hash", "fp", "chase"];
const PRESETS = ["tiny", "skylake", "golden-cove", "zen2", "champsim", "qemu-like"];
/** Members of the report that depend on the host or on translation, not on the guest. */
const HOST_FIGURES = new Set(["wallseconds", "mips", "jit", "translatems"]);

export interface Config {
  program: string;
  preset: string;
  harts: number;
}

/** The configurations to compare: every program under `presets` on one hart, then coremark
 *  and sort on two harts under tiny and skylake. */
export function configs(presets: readonly string[]): Config[] {
  const one = PROGRAMS.flatMap((program) => presets.map((preset) => ({ program, preset, harts: 1 })));
  const two = ["coremark", "sort"].flatMap((program) =>
    ["tiny", "skylake"].map((preset) => ({ program, preset, harts: 2 })),
  );
  return [...one, ...two];
}

/** `report` without the host's figures (HOST_FIGURES, at any depth, case aside). */
export function guestFigures(report: unknown): unknown {
  if (Array.isArray(report)) return report.map(guestFigures);
  if (report === null || typeof report !== "object") return report;
  return Object.fromEntries(
    Object.entries(report)
      .filter(([k]) => !HOST_FIGURES.has(k.toLowerCase()))
      .map(([k, v]) => [k, guestFigures(v)]),
  );
}

/** Run one configuration: its stdout, exit status and --stats=json report (the last line of
 *  stderr), without the host's figures. */
function runOne(c: Config, jit: boolean): Promise<string> {
  const args = ["run", "-q", "--stats=json", "--tlb", c.preset, "--harts", String(c.harts)];
  if (!jit) args.push("--no-jit");
  args.push(`guests/bin/bench_${c.program}.glibc.elf`);
  return new Promise((done, fail) => {
    const child = spawn(`${ROOT}/bin/mmlab.js`, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", fail);
    child.on("close", (status) => {
      const last = err.trimEnd().split("\n").pop() ?? "";
      try {
        done(JSON.stringify({ status, out, stats: guestFigures(JSON.parse(last)) }));
      } catch {
        fail(
          new Error(`statseq: mmlab ${args.join(" ")}: no --stats=json report (status ${status}):\n${err}`),
        );
      }
    });
  });
}

/** Compare one configuration with and without translation; its report line and verdict. */
async function compare(c: Config): Promise<[string, boolean]> {
  const [a, b] = await Promise.all([runOne(c, true), runOne(c, false)]);
  return [`${a === b ? "same" : "DIFFERENT"}  ${c.program} ${c.preset} harts=${c.harts}`, a === b];
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== "--quick");
  if (unknown.length > 0) {
    process.stderr.write(`statseq: unknown argument '${unknown[0]}'; usage: statseq [--quick]\n`);
    return 2;
  }
  const all = configs(argv.includes("--quick") ? PRESETS.slice(0, 2) : PRESETS);
  let same = 0;
  for (const c of all) {
    const [line, ok] = await compare(c);
    process.stdout.write(`${line}\n`);
    if (ok) same++;
  }
  process.stdout.write(`${same} of ${all.length} identical\n`);
  return same === all.length ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
