// Whole commands, cold: what a user waits for (bench/run.ts runs this suite after the
// benchmark.js ones). Each measurement is a fresh `bin/mmlab.js ...` process, started as the
// installed `mmlab` command is (through its #! line and the environment it sets: bin/mmlab.js);
// nothing of a previous run is warm but the operating system's file cache. Timed from spawn to exit.
// benchmark.js fits repeated calls in one process, so these are measured by repeated spawns
// instead: `runs` rounds (npm run bench -- --cold-runs N, default 5),
// each round running every command once in the same order (interleaved, so a burst of other
// load on the machine hits one round of everything rather than every run of one command), and
// each figure is the median over the rounds.
//
// The commands: the real-program suite of guests/bench.json (static glibc programs under the
// kernel with `mmlab run`, and the bare-metal one with `mmlab run --bare`), `mmlab demo` (what
// `npm start` runs, without npm's own start-up), `mmlab run` of the no-libc hello world and of
// the glibc one with and without translation
// (start-up). Every run's stdout and exit status are checked against what guests/bench.json
// recorded under qemu-riscv64 (the demo's against its first run), and its guest instructions
// come from its own --stats=json. Figures per command:
//   wall      median wall time of the command (seconds);
//   cpu       median CPU time of the child (user + system, from /proc/self/stat's cutime and
//             cstime, in clock ticks of 10 ms; it counts V8's compiler threads too), which a
//             loaded machine inflates less than wall time;
//   MIPS      instructions / wall: MIPS through the whole command;
//   NAME-jit, NAME-nocache: the bench programs translated, with the translation cache as a user
//             has it (warm from the first round on) and with --no-jit-cache;
//   warm      MIPS of the same command's machine run (boot and start-up excluded) when it is
//             run again in the same process (bench/warm-run.ts: best of runs 2..warmRuns);
//   qemu      median wall of `qemu-riscv64` running the same program in the same rounds (for
//             the bare benchmark: the glibc program with the argument that does the same work,
//             guests/bench.json's stdoutFrom), and mmlab's wall time as a multiple of it.
// `node -e 0` runs in every round too: the floor of any Node command on this machine, and the
// unit of the start-up figure (hello's wall time / node -e 0's). Where NODE_EXTRA_CA_CERTS is set
// (the development machine sets it to the system's 140-certificate bundle), `node -e 0` runs a
// second time without it: Node 20 parses that file at process start, before any script runs
// (about 420 M instructions, 30 ms of CPU on the development VM; bin/mmlab.js's #! line starts
// mmlab without it), so the floor is given both ways.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { childCpu } from "./harness.js";

/** One command of the suite. */
export interface ColdCommand {
  name: string;
  /** What it stands for, in the report. */
  title: string;
  /** The command: bin/mmlab.js (run through its #! line) and its arguments. */
  node: string[];
  /** Expected stdout; null: whatever its first run printed (every later run must match it). */
  stdout: string | null;
  status: number;
  /** Same work under qemu-riscv64: program and arguments. */
  qemu?: string[];
  /** Asks for --stats=json (so the instructions and a warm figure can be had). */
  stats: boolean;
  /** No warm figure: it would be another command's (NAME-nocache's is NAME-jit's). */
  noWarm?: boolean;
}

/** One command's figures. */
export interface ColdResult {
  name: string;
  title: string;
  runs: number;
  wallSeconds: number;
  /** Null where /proc/self/stat is not readable (not Linux). */
  cpuSeconds: number | null;
  instructions: number | null;
  mips: number | null;
  /** MIPS of the machine run when run again in the same process. */
  warmMips: number | null;
  qemuWallSeconds: number | null;
  /** mmlab wall / qemu wall. */
  qemuRatio: number | null;
}

/** What bench/run.ts reports about the whole-command suite. */
export interface ColdReport {
  runs: number;
  warmRuns: number;
  /** "qemu-riscv64 version ...", or "qemu-riscv64 not installed". */
  qemu: string;
  /** 1-minute load average before and after the measurements. */
  load: [number, number];
  node0: { wallSeconds: number; cpuSeconds: number | null };
  /** `node -e 0` with NODE_EXTRA_CA_CERTS removed from its environment; null where it is not set. */
  node0NoExtraCa: { wallSeconds: number; cpuSeconds: number | null } | null;
  results: ColdResult[];
}

interface BenchEntry {
  name: string;
  mode: "kernel" | "bare";
  program: string;
  args: string[];
  stdout: string;
  status: number;
  stdoutFrom?: string;
}

const MMLAB = "bin/mmlab.js";

/** The suite's commands, from guests/bench.json and the two start-up commands. */
export function coldCommands(): ColdCommand[] {
  const bench = JSON.parse(readFileSync("guests/bench.json", "utf8")) as { benchmarks: BenchEntry[] };
  const out: ColdCommand[] = bench.benchmarks.map((b) => {
    const bare = b.mode === "bare";
    const c: ColdCommand = {
      name: b.name,
      // the interpreter alone; translation (the default) in NAME-jit below
      title: `mmlab run --no-jit ${bare ? "--bare " : ""}${[b.program, ...b.args].join(" ")}`,
      node: [MMLAB, "run", "--no-jit", ...(bare ? ["--bare"] : []), "--stats=json", b.program, ...b.args],
      stdout: b.stdout,
      status: b.status,
      stats: true,
    };
    const q = bare ? qemuTwin(b) : [b.program, ...b.args];
    if (q) c.qemu = q;
    return c;
  });
  // the same programs with translation to WebAssembly (--jit; docs/jit.md), beside them: with
  // the translation cache as a user has it (warm from the first round on) and without it
  for (const c of [...out]) {
    out.push({
      ...c,
      name: `${c.name}-jit`,
      title: c.title.replace("mmlab run --no-jit ", "mmlab run --jit "),
      node: [MMLAB, "run", "--jit", ...c.node.slice(3)],
    });
    out.push({
      ...c,
      name: `${c.name}-nocache`,
      title: c.title.replace("mmlab run --no-jit ", "mmlab run --jit --no-jit-cache "),
      node: [MMLAB, "run", "--jit", "--no-jit-cache", ...c.node.slice(3)],
      noWarm: true,
    });
  }
  out.push({
    name: "demo",
    title: "mmlab demo (npm start)",
    node: [MMLAB, "demo", "--stats=json"],
    stdout: null,
    status: 0,
    stats: true,
  });
  out.push({
    name: "hello",
    title: "mmlab run guests/bin/hello.nolibc.elf",
    node: [MMLAB, "run", "guests/bin/hello.nolibc.elf"],
    stdout: "hello, world\n",
    status: 0,
    qemu: ["guests/bin/hello.nolibc.elf"],
    stats: false,
  });
  // bench_chase's set-up alone (0 steps): 16,387 fresh pages faulted in (the kernel's fault path,
  // clear_page, the host's first touch of each page) and Sattolo's shuffle of 1 M slots, 24 M
  // instructions; translation on, as a user runs it.
  out.push({
    name: "chase-setup",
    title: "mmlab run guests/bin/bench_chase.glibc.elf 0",
    node: [MMLAB, "run", "--stats=json", "guests/bin/bench_chase.glibc.elf", "0"],
    stdout: "bench_chase: steps=0 bytes=67108864 slots=1048576 seed=1\nfinal=0 sum=0\n",
    status: 0,
    qemu: ["guests/bin/bench_chase.glibc.elf", "0"],
    stats: true,
  });
  // A short glibc program (7,643 instructions) with and without translation: issue 12's "never
  // slower than --no-jit by more than 10%" for a program that runs once and ends soon.
  for (const jit of [false, true]) {
    out.push({
      name: jit ? "hello-glibc-jit" : "hello-glibc",
      title: `mmlab run ${jit ? "--jit" : "--no-jit"} guests/bin/hello.glibc.elf`,
      node: [MMLAB, "run", jit ? "--jit" : "--no-jit", "guests/bin/hello.glibc.elf"],
      stdout: "hello, world\n",
      status: 0,
      qemu: ["guests/bin/hello.glibc.elf"],
      stats: false,
    });
  }
  return out;
}

/** The glibc command that does a bare benchmark's work, from its stdoutFrom ("PROG ARGS under
 *  qemu-riscv64"). */
function qemuTwin(b: BenchEntry): string[] | undefined {
  const m = /^(\S+(?: \S+)*) under qemu-riscv64$/.exec(b.stdoutFrom ?? "");
  return m ? m[1]!.split(" ") : undefined;
}

interface Sample {
  wall: number;
  cpu: number | null;
  stdout: string;
  stderr: string;
}

function spawnTimed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Sample & { status: number | null } {
  const c0 = childCpu();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  const wall = (performance.now() - t0) / 1000;
  const c1 = childCpu();
  if (r.error) throw new Error(`bench: cannot run ${cmd} ${args.join(" ")}: ${r.error.message}`);
  return {
    wall,
    cpu: c0 === null || c1 === null ? null : c1 - c0,
    stdout: r.stdout,
    stderr: r.stderr,
    status: r.status,
  };
}

/** The last line of `stderr` that is a JSON object: --stats=json's report. */
function statsOf(stderr: string, what: string): { instret: number; mips: number } {
  const line = stderr
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`bench: ${what} printed no --stats=json report; stderr:\n${stderr}`);
  return JSON.parse(line) as { instret: number; mips: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function qemuVersion(): string | null {
  const r = spawnSync("qemu-riscv64", ["--version"], { encoding: "utf8" });
  return r.error || r.status !== 0 ? null : r.stdout.split("\n")[0]!.trim();
}

/** Check one mmlab run against what is expected; returns its instructions (if it has stats). */
function check(c: ColdCommand, s: Sample & { status: number | null }): number | null {
  const what = `${c.title} (${c.name})`;
  if (s.status !== c.status) {
    throw new Error(`bench: ${what} exited with ${s.status}, expected ${c.status}; stderr:\n${s.stderr}`);
  }
  if (c.stdout === null) c.stdout = s.stdout;
  if (s.stdout !== c.stdout) throw new Error(`bench: ${what} printed\n${s.stdout}\nexpected\n${c.stdout}`);
  return c.stats ? statsOf(s.stderr, what).instret : null;
}

/** The best machine MIPS of runs 2..n of `c` in one process (bench/warm-run.ts). */
function warmMips(c: ColdCommand, n: number, script: string): number {
  const r = spawnSync(process.execPath, [script, String(n), ...c.node.slice(1)], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (r.status !== 0) throw new Error(`bench: warm runs of ${c.title} failed:\n${r.stderr}`);
  const reports = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { mips: number });
  if (reports.length !== n)
    throw new Error(`bench: warm runs of ${c.title}: ${reports.length} reports, not ${n}`);
  return Math.max(...reports.slice(1).map((x) => x.mips));
}

/** `env` without NODE_EXTRA_CA_CERTS, or null when it does not set it. */
export function withoutExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | null {
  if (env.NODE_EXTRA_CA_CERTS === undefined) return null;
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = env;
  return rest;
}

/** The median wall and CPU time of `samples`. */
function medians(samples: Sample[]): { wallSeconds: number; cpuSeconds: number | null } {
  const cpus = samples.map((s) => s.cpu);
  return {
    wallSeconds: median(samples.map((s) => s.wall)),
    cpuSeconds: cpus.every((x) => x !== null) ? median(cpus as number[]) : null,
  };
}

/** Options of the whole-command suite. */
export interface ColdOptions {
  runs: number;
  warmRuns: number;
  /** Only the commands whose cold/NAME contains this (bench/run.ts's --filter). */
  filter?: string;
  log: (line: string) => void;
  /** dist/bench/warm-run.js. */
  warmScript: string;
}

/** Measure the suite (see the comment at the top); undefined if the filter leaves nothing. */
export function measureCold(opts: ColdOptions): ColdReport | undefined {
  const commands = coldCommands().filter(
    (c) => opts.filter === undefined || `cold/${c.name}`.includes(opts.filter),
  );
  if (commands.length === 0) return undefined;
  const qemu = qemuVersion();
  const load0 = os.loadavg()[0]!;
  const samples = new Map<string, { mm: Sample[]; qemu: Sample[]; insns: number | null }>();
  for (const c of commands) samples.set(c.name, { mm: [], qemu: [], insns: null });
  const node0: Sample[] = [];
  const noCa = withoutExtraCaCerts(process.env);
  const node0NoCa: Sample[] = [];
  for (let round = 1; round <= opts.runs; round++) {
    opts.log(`cold round ${round}/${opts.runs}`);
    node0.push(spawnTimed(process.execPath, ["-e", "0"]));
    if (noCa) node0NoCa.push(spawnTimed(process.execPath, ["-e", "0"], noCa));
    for (const c of commands) {
      const s = spawnTimed(c.node[0]!, c.node.slice(1)); // bin/mmlab.js through its #! line
      const rec = samples.get(c.name)!;
      const insns = check(c, s);
      if (rec.insns !== null && insns !== rec.insns) {
        throw new Error(`bench: ${c.title} retired ${insns} instructions, ${rec.insns} in round 1`);
      }
      rec.insns = insns;
      rec.mm.push(s);
      opts.log(`  ${c.name}: ${s.wall.toFixed(3)} s`);
      if (qemu && c.qemu) {
        const q = spawnTimed("qemu-riscv64", c.qemu);
        if (q.status !== c.status || q.stdout !== c.stdout) {
          throw new Error(`bench: qemu-riscv64 ${c.qemu.join(" ")} did not give ${c.name}'s output`);
        }
        rec.qemu.push(q);
      }
    }
  }
  const results = commands.map((c): ColdResult => {
    const rec = samples.get(c.name)!;
    const wall = median(rec.mm.map((s) => s.wall));
    const cpus = rec.mm.map((s) => s.cpu);
    const qemuWall = rec.qemu.length ? median(rec.qemu.map((s) => s.wall)) : null;
    let warm: number | null = null;
    if (c.stats && !c.noWarm && opts.warmRuns >= 2) {
      opts.log(`warm: ${c.name}, ${opts.warmRuns} runs in one process`);
      warm = warmMips(c, opts.warmRuns, opts.warmScript);
    }
    return {
      name: c.name,
      title: c.title,
      runs: rec.mm.length,
      wallSeconds: wall,
      cpuSeconds: cpus.every((x) => x !== null) ? median(cpus as number[]) : null,
      instructions: rec.insns,
      mips: rec.insns === null ? null : rec.insns / wall / 1e6,
      warmMips: warm,
      qemuWallSeconds: qemuWall,
      qemuRatio: qemuWall === null ? null : wall / qemuWall,
    };
  });
  return {
    runs: opts.runs,
    warmRuns: opts.warmRuns,
    qemu: qemu ?? "qemu-riscv64 not installed",
    load: [load0, os.loadavg()[0]!],
    node0: medians(node0),
    node0NoExtraCa: noCa ? medians(node0NoCa) : null,
    results,
  };
}
