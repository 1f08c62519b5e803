// `mmlab run --jit` (the default) against `mmlab run --no-jit` on the guest corpus (guests/bin, static glibc and no-libc
// programs under the kernel, and the bare-metal benchmark's first instructions): the same
// output, exit status, kernel messages and `--stats=json` counters (every TLB counter, the
// kernel's counters, traps), wall time and the translator's own figures aside. --dump-jit writes
// one .wat per region, with the guest pc range in its first line.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mmlab, tempDirPerTest } from "../helpers/cli.js";

/** The --stats=json object without what differs from run to run (wall time, MIPS) and the
 *  translator's figures (present only with --jit). */
function counters(stderr: string): { messages: string[]; stats: Record<string, unknown> } {
  const lines = stderr.trimEnd().split("\n");
  const stats = JSON.parse(lines.pop()!) as Record<string, unknown>;
  delete stats.wallSeconds;
  delete stats.mips;
  delete stats.jit;
  for (const h of stats.harts as Record<string, unknown>[]) {
    delete h.wallSeconds;
    delete h.mips;
  }
  return { messages: lines, stats };
}

/** Run with --no-jit and with --jit (and `jitOpts`, such as --jit-hot): the same status, stdout
 *  and counters; returns the share of instructions run translated. */
async function same(args: string[], jitOpts: string[] = []): Promise<{ share: number }> {
  const plain = await mmlab("run", "--no-jit", "--stats=json", ...args);
  const jit = await mmlab("run", "--jit", ...jitOpts, "--stats=json", ...args);
  expect(jit.status).toBe(plain.status);
  expect(jit.stdout).toBe(plain.stdout);
  expect(counters(jit.stderr)).toEqual(counters(plain.stderr));
  const j = JSON.parse(jit.stderr.trimEnd().split("\n").pop()!) as { jit: { share: number } };
  return { share: j.jit.share };
}

describe("mmlab run --jit: the same run as without", () => {
  for (const [prog, ...args] of [
    ["hello.glibc"],
    ["hello.nolibc"],
    ["cow.glibc", "3"],
    ["fork_wait.glibc", "4"],
    ["sort.glibc"],
    ["bigbss.glibc"],
    ["files.glibc"],
    ["segv.glibc"],
    ["sigalrm.glibc"],
    ["pipeline.nolibc"],
    ["ptrchase.nolibc", "200", "3"],
    ["wc.nolibc"],
  ] as const) {
    it(`${prog} ${args.join(" ")}`, async () => {
      await same([`guests/bin/${prog}.elf`, ...args]);
    });
  }

  // the real-program suite (guests/bench.json): integer, TLB-bound and F/D code, the first
  // 2 M instructions of each at a low threshold (--max-insns stops both runs at the same one)
  for (const prog of ["bench_coremark", "bench_sort", "bench_hash", "bench_fp", "bench_chase"])
    it(`${prog}.glibc, 2 M instructions at --jit-hot 8, most of them translated`, async () => {
      const { share } = await same(["--max-insns", "2M", `guests/bin/${prog}.glibc.elf`], ["--jit-hot", "8"]);
      expect(share).toBeGreaterThan(0.5);
    });

  it("the bare-metal benchmark, 3 M instructions, most of them translated", async () => {
    const { share } = await same(["--bare", "--max-insns", "3M", "guests/bin/bench_bare.elf"]);
    expect(share).toBeGreaterThan(0.5);
  });
});

describe("mmlab run --no-jit", () => {
  it("turns off translation, on by default; with --jit, --dump-jit or --jit-hot it is a usage error", async () => {
    const plain = await mmlab("run", "--no-jit", "--stats", "guests/bin/hello.nolibc.elf");
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe("hello, world\n");
    expect(plain.stderr).not.toContain("translated:");
    const dflt = await mmlab("run", "--stats", "guests/bin/hello.nolibc.elf");
    expect(dflt.stdout).toBe("hello, world\n");
    expect(dflt.stderr).toContain("translated:");
    for (const other of [["--jit"], ["--dump-jit", "/tmp"], ["--jit-hot", "5"]]) {
      const r = await mmlab("run", "--no-jit", ...other, "guests/bin/hello.nolibc.elf");
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`'--no-jit' cannot go with '${other[0]}'`);
    }
    const help = await mmlab("run", "--help");
    expect(help.stdout).toContain("--no-jit");
    expect(help.stdout).toContain("--jit-hot N");
  });

  it("the default is --jit's run: the demo and a corpus program, translated, as with --no-jit", async () => {
    for (const args of [["demo"], ["run", "guests/bin/sort.glibc.elf"]]) {
      const plain = await mmlab(...args.slice(0, 1), "--no-jit", "--stats=json", ...args.slice(1));
      const dflt = await mmlab(...args.slice(0, 1), "--stats=json", ...args.slice(1));
      expect(dflt.status).toBe(plain.status);
      expect(dflt.stdout).toBe(plain.stdout);
      expect(counters(dflt.stderr)).toEqual(counters(plain.stderr));
      const j = JSON.parse(dflt.stderr.trimEnd().split("\n").pop()!) as { jit?: { regions: number } };
      expect(j.jit).toBeDefined();
    }
  });

  it("--jit-hot N: a lower threshold translates a short program's loops; a bad N is a usage error", async () => {
    const low = await mmlab("run", "--jit-hot", "16", "--stats=json", "guests/bin/sort.glibc.elf");
    const j = JSON.parse(low.stderr.trimEnd().split("\n").pop()!) as { jit: { regions: number } };
    expect(j.jit.regions).toBeGreaterThan(0);
    const bad = await mmlab("run", "--jit-hot", "0", "guests/bin/hello.nolibc.elf");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--jit-hot");
  });

  it("--jit on a machine that cannot translate (RAM too large for a WebAssembly memory) is a usage error; by default such a machine runs without, and one with 2 GiB or more translates", async () => {
    const asked = await mmlab("run", "--jit", "--bare", "--mem", "4G", "examples/hello.s");
    expect(asked.status).toBe(2);
    expect(asked.stderr).toContain("'--jit' needs --mem below 4G");
    const dflt = await mmlab("run", "--bare", "--mem", "4G", "--stats=json", "examples/hello.s");
    expect(dflt.status).toBe(0);
    const j = JSON.parse(dflt.stderr.trimEnd().split("\n").pop()!) as { jit?: unknown };
    expect(j.jit).toBeUndefined();
    // RAM of 2 GiB and more (the arena's state past int32 offsets: an internal error once)
    for (const mem of ["2G", "4032M"]) {
      const big = await mmlab("run", "--bare", "--mem", mem, "--stats=json", "examples/hello.s");
      expect(big.status).toBe(0);
      const b = JSON.parse(big.stderr.trimEnd().split("\n").pop()!) as { jit?: unknown };
      expect(b.jit).toBeDefined();
    }
  });
});

describe("mmlab run --dump-jit DIR", () => {
  const tmp = tempDirPerTest();
  it("writes each region's WebAssembly text with its guest pc range", async () => {
    const dir = tmp.path("jit");
    const r = await mmlab(
      "run",
      "--bare",
      "--max-insns",
      "300K",
      "--dump-jit",
      dir,
      "guests/bin/bench_bare.elf",
    );
    expect(r.status).toBe(124);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f).toMatch(/^region-h0-[0-9a-f]{16}\.wat$/);
      const text = readFileSync(join(dir, f), "utf8");
      expect(text).toMatch(/^;; hart 0, guest pc 0x[0-9a-f]{16}-0x[0-9a-f]{16} /);
      expect(text).toContain('(import "env" "mem" (memory');
      expect(text).toContain("(func $region_");
    }
  });
});
