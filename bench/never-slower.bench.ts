// Issue 12's last target: "translation must never make a program slower than --no-jit by more
// than 10% (a program that runs once; code that keeps being rewritten)". Three bare-metal guests
// written here in assembly (src/asm), each run whole on a fresh Machine (the program loaded, run
// to its end, nothing kept from the previous run but V8's own code), with translation as `mmlab
// run` has it (the session's machine with the translator's loader: translation deferred until
// the program shows hot code, then the heat threshold and the profitability rules of the
// translator's defaults) and without (the interpreter alone), as a ratio within one process:
//   never-slower/once     code that runs once: 256 loops of distinct code one after the other
//                         (13 pages), each of ONCE_PASSES passes (well below the heat
//                         threshold). Translation can only cost here (heat counting).
//   never-slower/rewrite  code that keeps being rewritten: a hot loop whose `addi` immediate the
//                         guest patches (a store into the loop's page, then fence.i) every
//                         REWRITE_PASSES passes, REWRITES times: each version runs long enough
//                         to get hot, and is thrown away soon after.
//   never-slower/brief    code just hot enough: 32 such loops of BRIEF_PASSES passes, a little
//                         above the heat threshold (the worst case of any counting threshold:
//                         translated, then hardly used; not one of the two cases; a
//                         region holds the loops after its entry in its page, so about 3/4 of
//                         the instructions run translated).
//   never-slower/hot-once a loop hot within the starter share (translation is turned on), then
//                         `once`'s code: the worst case of the jit starter (interp.ts), which
//                         interprets JIT_STARTER_MIN instructions unoptimized before the warmed
//                         jit variant takes over (not one of the two cases either).
// and the same guests as whole commands, cold (`node bin/mmlab.js run --bare X.s` with and
// without --no-jit, one fresh process an op: start-up and the cold emitter included, as a user
// meets them): never-slower/cold-once, cold-rewrite, cold-brief. Every run is checked to pass
// (exit status 0) and, in process, to leave the same registers with and without translation.
// benchmark.js runs a suite's cases one after the other, so a change of the machine's load
// between them skews their ratio; each suite's summary also gives the ratio measured in
// RATIO_ROUNDS interleaved rounds (the median; wall time in process, the children's CPU time for
// whole commands), the figure to read.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { assemble } from "../src/asm/index.js";
import * as Jit from "../src/cpu/jit/index.js";
import { DEFAULT_TLB_PRESET, loadTlbConfig } from "../src/mmu/index.js";
import { newMachine, setJitLoader } from "../src/session/index.js";
import {
  type CaseDef,
  childCpu,
  interleavedRatio,
  makeSuite,
  type SuiteDef,
  type SuiteFactory,
  wallMs,
} from "./harness.js";

/** The `once` and `brief` guests: loops of distinct code one after the other (256 loops are 13
 *  pages), and the passes of each: `once` far below the heat threshold (1,024 back edges),
 *  `brief` a little above it. */
const ONCE_LOOPS = 256;
const ONCE_PASSES = 100;
const BRIEF_LOOPS = 32;
const BRIEF_PASSES = 1500;
/** The rewritten loop: passes per version and versions. */
const REWRITE_PASSES = 3000;
const REWRITES = 200;

const PASS = `
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
9:  j 9b`;

/** A loop body of 12 ALU instructions whose constants depend on `k` (each loop's code differs). */
function body(k: number): string {
  return `
    addi a0, a0, ${(k % 1000) + 1}
    xor a1, a1, a0
    slli a2, a0, ${(k % 29) + 3}
    add a1, a1, a2
    srli a3, a1, ${(k % 13) + 1}
    xor a0, a0, a3
    andi a4, a0, ${(k * 37) % 2048}
    add a5, a5, a4
    sub a6, a5, a1
    or a7, a7, a6
    addiw a6, a6, ${-(k % 500)}
    add s2, s2, a6`;
}

/** `n` loops of distinct code (a body of 48 ALU instructions each) laid out one after the
 *  other, loop k running `passes` times and going on to loop k+1; the last ends the run. */
export function loopsGuest(n: number, passes: number): string {
  const loops = Array.from(
    { length: n },
    (_, k) => `
loop${k}:
    li s1, ${passes}
1:  ${[0, 1, 2, 3].map((i) => body(4 * k + i)).join("")}
    addi s1, s1, -1
    bnez s1, 1b`,
  );
  return `
    .option norvc
    .text
    .globl _start
_start:
${loops.join("\n")}
${PASS}
`;
}

/** `once`'s loops after a first loop of HOT_PASSES passes: hot within the starter share. */
const HOT_PASSES = 3000;

/** A loop hot within the starter share, then ONCE_LOOPS loops of code run once. */
export function hotOnceGuest(): string {
  return loopsGuest(ONCE_LOOPS + 1, ONCE_PASSES).replace(`li s1, ${ONCE_PASSES}`, `li s1, ${HOT_PASSES}`);
}

/** A hot loop rewritten `REWRITES` times: its `addi s2, s2, IMM` gets the version number as
 *  IMM (a store into the loop's page), then fence.i, then `REWRITE_PASSES` passes. */
export function rewriteGuest(): string {
  return `
    .option norvc
    .text
    .globl _start
_start:
    la s3, patch
    lw s4, 0(s3)
    li s5, 0xfffff
    and s4, s4, s5          # addi s2, s2, 0 without its immediate
    li s6, ${REWRITES}
    .balign 4096
2:  slli t0, s6, 20
    or t0, t0, s4
    sw t0, 0(s3)            # addi s2, s2, s6
    fence.i
    li s1, ${REWRITE_PASSES}
1:  ${body(7)}
patch:
    addi s2, s2, 0
    addi s1, s1, -1
    bnez s1, 1b
    addi s6, s6, -1
    bnez s6, 2b
${PASS}
`;
}

/** The three guests: name, assembly source. */
export const GUESTS: readonly [name: string, source: string][] = [
  ["once", loopsGuest(ONCE_LOOPS, ONCE_PASSES)],
  ["rewrite", rewriteGuest()],
  ["brief", loopsGuest(BRIEF_LOOPS, BRIEF_PASSES)],
  ["hot-once", hotOnceGuest()],
];

/** A guest's program, assembled once (on first use). */
const programs = new Map<string, ReturnType<typeof assemble>>();
function program(name: string, source: string): ReturnType<typeof assemble> {
  let p = programs.get(name);
  if (!p) {
    p = assemble(source, { file: `${name}.s` });
    programs.set(name, p);
  }
  return p;
}

/** Run `source` whole on a fresh bare machine, with translation as `mmlab run` has it or
 *  without; returns the hart's registers. Throws unless the guest passes. */
export function runGuest(name: string, source: string, jit: boolean): bigint[] {
  const prog = program(name, source);
  setJitLoader(() => Jit); // as the `mmlab` command: loaded, and turned on, when first needed
  const spec = {
    harts: 1,
    mem: 4 << 20,
    tlb: loadTlbConfig(DEFAULT_TLB_PRESET),
    satp: null,
    maxInsns: 50_000_000,
  };
  const m = newMachine(jit ? { ...spec, jit: { dump: null, required: true } } : spec, () => {});
  m.loadFlat(prog.toFlat(), prog.base);
  const res = m.run(50_000_000);
  if (res.exitCode !== 0) throw new Error(`bench never-slower/${name}: exit ${res.exitCode} (${res.reason})`);
  const h = m.harts[0]!;
  return Array.from({ length: 32 }, (_, i) => h.reg(i));
}

/** The case pair of one guest in process: the interpreter alone, and translation (whose
 *  registers must be the interpreter's). Nothing runs before a case does (the factory is called
 *  whatever --filter says). */
function inProcess(name: string, source: string): CaseDef[] {
  let plain: bigint[] | null = null;
  return [
    {
      name: "--no-jit",
      fn: () => {
        plain = runGuest(name, source, false);
      },
    },
    {
      name: "translated",
      fn: () => {
        const regs = runGuest(name, source, true);
        plain ??= runGuest(name, source, false);
        if (regs.some((v, i) => v !== plain![i])) {
          throw new Error(`bench never-slower/${name}: translation changed the registers`);
        }
      },
    },
  ];
}

/** The median of `a` (the upper one of an even count). */
function median(a: number[]): number {
  return [...a].sort((x, y) => x - y)[a.length >> 1] ?? Number.NaN;
}

/** Interleaved rounds of each guest's ratio summary (in process, and as whole commands). */
const RATIO_ROUNDS = 9;

/** The child CPU milliseconds `fn` takes (it waits for the children it spawns), or NaN off Linux. */
function childCpuMs(fn: () => void): number {
  const c0 = childCpu();
  fn();
  const c1 = childCpu();
  return c0 === null || c1 === null ? Number.NaN : (c1 - c0) * 1000;
}

/** A guest as a whole command: runs `mmlab run --bare FILE` (its ELF, written on first use) with
 *  or without --no-jit in a fresh process; throws unless it passes. */
function commandOf(name: string, source: string, dir: string): (jit: boolean) => void {
  const file = join(dir, `${name}.elf`);
  let written = false;
  return (jit) => {
    if (!written) {
      writeFileSync(file, program(name, source).toElf());
      written = true;
    }
    const args = ["bin/mmlab.js", "run", "--bare", ...(jit ? [] : ["--no-jit"]), file];
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (r.status !== 0) {
      throw new Error(`bench never-slower/cold-${name}: ${args.join(" ")}: status ${r.status}\n${r.stderr}`);
    }
  };
}

/** The case pair of one guest as whole commands, with and without --no-jit, a fresh process
 *  each; `cpu` collects each case's child CPU seconds per run. */
function wholeCommand(command: (jit: boolean) => void, cpu: Record<string, number[]>): CaseDef[] {
  return [false, true].map((jit) => {
    const k = jit ? "translated" : "--no-jit";
    return {
      name: k,
      fn: () => {
        const ms = childCpuMs(() => command(jit));
        if (!Number.isNaN(ms)) cpu[k] = [...(cpu[k] ?? []), ms / 1000];
      },
    };
  });
}

const WHAT: Record<string, string> = {
  once: "code that runs once",
  rewrite: "code that keeps being rewritten",
  brief: "loops just hot enough",
  "hot-once": "a hot loop, then code that runs once",
};

export const suites: SuiteFactory = (opts) => {
  const dir = mkdtempSync(join(os.tmpdir(), "mmlab-never-slower-"));
  const defs: SuiteDef[] = GUESTS.flatMap(([name, source]) => {
    const cpu: Record<string, number[]> = {};
    const command = commandOf(name, source, dir);
    return [
      {
        name: `never-slower/${name}`,
        title: `${WHAT[name]}, whole guest on a fresh Machine in process: translated / --no-jit`,
        cases: inProcess(name, source),
        ratioTo: "--no-jit",
        summary: () => [
          // Wall time: the process's CPU time would count V8's compiler threads, which run beside it.
          `wall time, ${RATIO_ROUNDS} interleaved rounds' median: translated / --no-jit = ${interleavedRatio(
            () => runGuest(name, source, false),
            () => runGuest(name, source, true),
            RATIO_ROUNDS,
            wallMs,
          ).toFixed(2)}`,
        ],
      },
      {
        name: `never-slower/cold-${name}`,
        title: `${WHAT[name]}, \`mmlab run --bare\` cold, a process an op: translated / --no-jit`,
        cases: wholeCommand(command, cpu),
        ratioTo: "--no-jit",
        summary: () => {
          const [a, b] = [cpu["--no-jit"] ?? [], cpu.translated ?? []];
          if (a.length === 0 || b.length === 0) return ["CPU time: not measured (no /proc/self/stat)"];
          const ratio = interleavedRatio(
            () => command(false),
            () => command(true),
            RATIO_ROUNDS,
            childCpuMs,
          );
          return [
            `CPU seconds a run (children's user + system, medians of ${a.length} and ${b.length} runs): ` +
              `--no-jit ${median(a).toFixed(2)}, translated ${median(b).toFixed(2)}: ` +
              `translated / --no-jit = ${(median(b) / median(a)).toFixed(2)}`,
            `CPU time, ${RATIO_ROUNDS} interleaved rounds' median (the figure to read: a change of load falls on both alike): ` +
              `translated / --no-jit = ${ratio.toFixed(2)}`,
          ];
        },
      },
    ];
  });
  return defs.map((d) => makeSuite(d, opts));
};
