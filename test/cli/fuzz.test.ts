// Fuzz suites (fast-check) for what a user hands mmlab (issue 11): mutated ELF files (through the
// kernel's loader in-process, and --bare through `mmlab run`), random console scripts, random TLB
// JSON files and random option values. Each input must end in a refusal (status 2, one line), a
// guest-visible error or a normal end: never an internal error (status 70, a host stack trace),
// never a run past its instruction budget, with the pages a guest took all returned and the host
// heap bounded. Every property has a fixed seed, a bounded number of runs and a time limit past
// which it stops early (fewer runs, not a failure: the load of the machine must not fail a test).

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExecError } from "../../src/kernel/index.js";
import { COMMANDS, KConsole, type LineResult } from "../../src/session/index.js";
import { mmlab, type Outcome, tempDirPerTest, writeFile } from "../helpers/cli.js";
import { hostileTlbArray, hostileTlbJson } from "../helpers/tlbjson.js";
import { boot, settledPages } from "../kernel/helpers.js";

const tmp = tempDirPerTest("mmlab-fuzz-");
const HELLO = "guests/bin/hello.nolibc.elf";
const BARE = "guests/bin/bench_bare.elf";

/** Stop a property after this long (it has then run fewer inputs; not a failure). */
const TIME_LIMIT_MS = 30_000;
const limits = (seed: number, numRuns: number) => ({
  seed,
  numRuns,
  interruptAfterTimeLimit: TIME_LIMIT_MS,
  markInterruptAsFailure: false,
});

/** The dmesg lines that would mean the kernel itself went wrong. */
const KERNEL_REPORT = /BUG:|WARNING:|Oops|Kernel panic|KASAN|Unable to handle/;

/** An outcome of `mmlab` that is not an internal error: a status among `allowed`, and a refusal
 *  (status 2) is one line with no stack trace. */
function expectClean(r: Outcome, allowed: readonly number[], what: string): void {
  const context = `${what}: status ${r.status}\n${r.stderr.slice(0, 2000)}`;
  expect(allowed, context).toContain(r.status);
  expect(r.stderr, context).not.toMatch(/internal error|\n\s+at |TypeError|RangeError/);
  if (r.status === 2) {
    expect(r.stderr.trimEnd().split("\n"), context).toHaveLength(1);
    expect(r.stdout, context).toBe("");
  }
}

/** Byte edits of a file: most in the ELF and program headers, some anywhere. */
function edits(size: number, headers: number) {
  const at = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: headers - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: size - 1 }) },
  );
  const value = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x80, 0x7f, 1));
  return fc.array(fc.tuple(at, value), { minLength: 1, maxLength: 6 });
}

function mutate(bytes: Uint8Array, changes: readonly [number, number][]): Uint8Array {
  const b = bytes.slice();
  for (const [at, v] of changes) b[at] = v;
  return b;
}

/** The ELF header and the program headers (e_phoff, e_phnum x e_phentsize). */
function headerBytes(elf: Uint8Array): number {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  return Number(dv.getBigUint64(32, true)) + dv.getUint16(56, true) * dv.getUint16(54, true);
}

describe("mutated ELF files (fast-check)", () => {
  it("under the kernel: refused by the loader, or run to an exit, a signal or the budget; every page back", () => {
    const elf = new Uint8Array(readFileSync(HELLO));
    const k = boot("kasan=off", { mem: 32 << 20, tlb: "tiny" });
    const before = settledPages(k);
    const heapBefore = process.memoryUsage().heapUsed;
    const seen = { refused: 0, ran: 0 };
    fc.assert(
      fc.property(edits(elf.length, headerBytes(elf)), (changes) => {
        const logBefore = k.printk.dmesg().length;
        let t: ReturnType<typeof k.sched.spawn>;
        try {
          t = k.sched.spawn({
            elf: mutate(elf, changes),
            path: "fuzz",
            argv: ["fuzz"],
            envp: [],
            io: { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false },
          });
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(ExecError);
          seen.refused++;
          return;
        }
        seen.ran++;
        k.sched.run(200_000);
        if (t.running) k.sched.exitTask(t, 128 + 9, 9); // out of budget: killed, as a timeout would
        expect(t.exitCode).not.toBeNull();
        expect(k.printk.dmesg().slice(logBefore)).not.toMatch(KERNEL_REPORT);
        expect(settledPages(k)).toBe(before);
      }),
      limits(20261202, 400),
    );
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.ran).toBeGreaterThan(0);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(512 << 20);
  }, 120_000);

  it("--bare: refused (status 2, one line) or run to a status or the budget", async () => {
    const elf = new Uint8Array(readFileSync(BARE));
    const file = tmp.path("fuzz.elf");
    await fc.assert(
      fc.asyncProperty(edits(elf.length, headerBytes(elf)), async (changes) => {
        writeFile(file, mutate(elf, changes));
        const r = await mmlab("run", "--bare", "--mem", "16M", "--max-insns", "20k", "-q", file);
        // A bare guest's status is its own: any byte, 124 for the budget, 3 for a stuck machine.
        expectClean(
          r,
          Array.from({ length: 256 }, (_, i) => i).filter((s) => s !== 70),
          `run --bare ${changes}`,
        );
      }),
      limits(7, 60),
    );
  }, 120_000);
});

describe("random console scripts (fast-check)", () => {
  const names = Object.keys(COMMANDS);
  const word = fc.oneof(
    fc.constantFrom("0", "1", "4K", "16K", "2M", "0x10", "NULL", "p", "q", "p+16K", "p-8", "-1"),
    fc.constantFrom(
      "0xffffffffffffffff",
      "1G",
      "99999999999999999999",
      "GFP_KERNEL",
      "__GFP_ZERO|GFP_ATOMIC",
    ),
    fc.constantFrom('"text"', '"\\n"', '"', "/proc/meminfo", "vmallocinfo", "/sys/fs/cgroup/memory.stat"),
    fc.string({ maxLength: 8 }),
  );
  const line = fc.oneof(
    fc
      .tuple(fc.constantFrom(...names), fc.array(word, { maxLength: 4 }))
      .map(([c, a]) => [c, ...a].join(" ")),
    fc
      .tuple(fc.constantFrom("p", "q"), fc.constantFrom(...names), fc.array(word, { maxLength: 3 }))
      .map(([v, c, a]) => `${v} = ${[c, ...a].join(" ")}`),
    fc
      .tuple(fc.constantFrom("expect kasan", "expect oops", "expect warn,oops", "expect"), word)
      .map(([e, w]) => `${e} read ${w}`),
    fc.string({ maxLength: 40 }),
    fc.constant("x".repeat(5000)),
  );

  it("each line: done, a named mistake, a kernel oops or panic (as the kernel reports them), never an internal error", () => {
    const heapBefore = process.memoryUsage().heapUsed;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => {
        const k = boot("", { mem: 16 << 20, tlb: "tiny" });
        let printed = 0;
        const kc = new KConsole(k, (s) => {
          printed += s.length;
        });
        for (const l of lines) {
          const r: LineResult = kc.exec(l);
          expect(["ok", "error", "oops", "panic", "quit"], l).toContain(r.kind);
          if (r.kind === "error") {
            expect(r.message, l).not.toMatch(/internal error|this is a bug in mmlab/);
            expect(r.message.length, l).toBeLessThan(600);
          }
          if (r.kind === "panic" || r.kind === "quit") break;
        }
        expect(printed).toBeLessThan(4 << 20);
      }),
      limits(11, 120),
    );
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(512 << 20);
  }, 120_000);
});

describe("random TLB JSON files (fast-check)", () => {
  // Good arrays (entries a multiple of ways, known sizes, 4 KiB pages held), and hostile ones.
  const good = fc.record({
    entries: fc.constantFrom(16, 64),
    ways: fc.constantFrom(1, 4, 16),
    replacement: fc.constantFrom("lru", "plru", "random", "fifo"),
    sizes: fc.constantFrom(["4k"], ["4k", "2m"], ["4k", "64k", "1g"]),
  });
  const level = (array: fc.Arbitrary<unknown>) => fc.array(array, { minLength: 1, maxLength: 2 });
  const pwc = fc.record({
    level: fc.integer({ min: 1, max: 4 }),
    sets: fc.constantFrom(1, 4),
    ways: fc.constantFrom(2, 4),
  });
  const goodTlb = fc.record(
    {
      itlb: level(good),
      dtlb: level(good),
      l2: level(good),
      pwc: fc.uniqueArray(pwc, { maxLength: 3, selector: (p) => p.level }),
    },
    { requiredKeys: ["itlb", "dtlb"] },
  );
  const spoilt = fc.record(
    {
      itlb: fc.oneof(level(fc.oneof(good, hostileTlbArray)), fc.constant(null), fc.string(), fc.constant([])),
      dtlb: level(fc.oneof(good, hostileTlbArray)),
      l2: fc.oneof(level(hostileTlbArray), fc.string()),
    },
    { requiredKeys: [] },
  );
  const text = fc.oneof(
    { weight: 2, arbitrary: goodTlb.map((t) => JSON.stringify(t)) },
    { weight: 2, arbitrary: spoilt.map((t) => JSON.stringify(t)) },
    { weight: 1, arbitrary: hostileTlbJson.map((t) => JSON.stringify(t)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );

  it("run --tlb FILE: refused with one line, or the program runs", async () => {
    const file = tmp.path("tlb.json");
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(text, async (json) => {
        writeFile(file, json);
        const r = await mmlab("run", "--mem", "4M", "--max-insns", "2M", "--tlb", file, HELLO);
        expectClean(r, [0, 2], `--tlb ${json}`);
        if (r.status === 0) {
          ran++;
          expect(r.stdout).toBe("hello, world\n");
        }
      }),
      limits(3, 80),
    );
    expect(ran).toBeGreaterThan(0);
  }, 120_000);
});

describe("random option values (fast-check)", () => {
  const value = fc.oneof(
    fc.constantFrom(
      "",
      "0",
      "1",
      "2",
      "-1",
      "64",
      "65",
      "1.5",
      "1e3",
      "0x10",
      "NaN",
      "Infinity",
      "9007199254740993",
    ),
    fc.constantFrom(
      "1M",
      "4M",
      "16M",
      "64K",
      "512K",
      "5G",
      "1T",
      "4k",
      "M",
      "--",
      "-q",
      "sv39",
      "sv48",
      "sv57",
    ),
    fc.constantFrom("tiny", "zen2", "nosuch", "/dev/zero", "/nonexistent.json", "insn", "tlb", "r", "w", "x"),
    fc.constantFrom("0-1", "ffff-0", "1-ffffffffffffffffff", "a=b", "=", "KEY", "/tmp:/x", "nope:/x"),
    fc.string({ maxLength: 12 }),
  );
  const option = fc.constantFrom(
    "--harts",
    "--tlb",
    "--satp",
    "--max-insns",
    "--seed",
    "--trace",
    "--trace-limit",
    "--trace-hart",
    "--trace-kind",
    "--trace-range",
    "--env",
    "--mount",
    "--append",
  );

  it("run PROGRAM with random options: refused with one line, or the program runs", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("1M", "4M", "8M", "0", "x", "64K", "-4M"),
        fc.array(fc.tuple(option, value), { maxLength: 3 }),
        fc.boolean(),
        async (mem, opts, bare) => {
          const args = [
            "run",
            ...(bare ? ["--bare"] : []),
            "--mem",
            mem,
            ...opts.flat(),
            "--max-insns",
            "300k",
          ];
          const r = await mmlab(...args, bare ? BARE : HELLO);
          // 0: hello ran; 124: the bare benchmark ran out of budget; 3: it stopped in a trap loop
          // (its stack outside a small --mem); 127: a value taken for the program; 126: a value
          // read as the program under the kernel.
          expectClean(r, [0, 2, 3, 124, 126, 127, 139], args.join(" "));
          seen.add(r.status);
        },
      ),
      limits(5, 150),
    );
    expect([...seen]).toEqual(expect.arrayContaining([0, 2]));
  }, 120_000);
});
