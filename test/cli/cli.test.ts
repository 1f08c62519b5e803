// The `mmlab` command line: help, usage errors, input errors (malformed ELF files), guest exit
// statuses, --max-insns, --stats, --trace (kernel mode: kernel.test.ts).

import { beforeEach, describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../../src/cli/index.js";
import { PF_R, PF_W, PF_X, writeElf } from "../../src/elf/index.js";
import { expectOneLine, mmlab, tempDirPerTest, writeFile } from "../helpers/cli.js";
import { elfOf, failElf, faultElf, loopElf, passElf } from "./helpers.js";

const tmp = tempDirPerTest("mmlab-cli-");

describe("help", () => {
  it("mmlab --help lists every command", async () => {
    const r = await mmlab("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: mmlab COMMAND");
    for (const name of COMMAND_NAMES) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, "m"));
    expect(r.stderr).toBe("");
  });

  it("mmlab with no arguments prints the help on stderr and exits 2", async () => {
    const r = await mmlab();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Commands:");
  });

  it.each(COMMAND_NAMES)("mmlab %s --help shows its usage and options", async (name) => {
    for (const args of [
      [name, "--help"],
      [name, "-h"],
      ["help", name],
    ]) {
      const r = await mmlab(...args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: mmlab ${name}`));
      expect(r.stdout).toContain("--help");
      expect(r.stderr).toBe("");
    }
  });

  it("run --help documents the shared flags and the exit statuses", async () => {
    const r = await mmlab("run", "--help");
    for (const opt of [
      "--bare",
      "--harts",
      "--mem",
      "--max-insns",
      "--stats",
      "--trace",
      "--trace-limit",
      "--quiet",
    ]) {
      expect(r.stdout).toContain(opt);
    }
    expect(r.stdout).toContain("124");
  });

  it("--version prints the version", async () => {
    const r = await mmlab("--version");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^mmlab \d+\.\d+\.\d+\n$/);
  });
});

describe("usage errors: one line, exit status 2", () => {
  it("an unknown command", async () => {
    const r = await mmlab("frobnicate");
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it("an unknown top-level option", async () => {
    const r = await mmlab("--frob");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab: unknown option '--frob' (see mmlab --help)\n");
  });

  it.each(COMMAND_NAMES)("an unknown option of %s", async (name) => {
    const r = await mmlab(name, "--foo");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mmlab ${name}: unknown option '--foo' (see mmlab ${name} --help)\n`);
    expect(r.stdout).toBe("");
  });

  const bad: [string[], RegExp][] = [
    [["--harts", "0"], /bad value '0' for '--harts'/],
    [["--harts", "65"], /bad value '65' for '--harts'.*1 to 64/],
    [["--harts", "two"], /bad value 'two' for '--harts'/],
    [["--harts", "1.5"], /bad value '1.5' for '--harts'/],
    [["--mem", "12X"], /bad value '12X' for '--mem'.*64M or 1G/],
    [["--mem", "8G"], /bad value '8G' for '--mem'.*4G/],
    [["--mem", "0"], /bad value '0' for '--mem'/],
    [["--mem", "100001K"], /bad value '100001K' for '--mem'.*multiple of 4K/],
    [["--mem=-1M"], /bad value '-1M' for '--mem'/],
    [["--max-insns", "0"], /bad value '0' for '--max-insns'/],
    [["--max-insns", "lots"], /bad value 'lots' for '--max-insns'/],
    [["--stats=xml"], /bad value 'xml' for '--stats'.*'json'/],
    [["--trace", "everything"], /bad value 'everything' for '--trace'.*'insn'/],
    [["--trace-limit", "5"], /'--trace-limit' needs '--trace insn'/],
    [["--quiet=yes"], /option '--quiet' takes no value/],
    [["-x"], /unknown option '-x'/],
  ];
  it.each(bad)("run --bare %j", async (args, message) => {
    const prog = writeFile(tmp.path("pass.elf"), passElf());
    const r = await mmlab("run", "--bare", ...args, prog);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/^mmlab run: /);
    expect(r.stderr).toMatch(message);
  });

  it("the same values are checked by demo", async () => {
    const r = await mmlab("demo", "--mem", "5G");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mmlab demo: bad value '5G' for '--mem'/);
  });

  it("an option without its value", async () => {
    const r = await mmlab("run", "--bare", "--harts");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab run: option '--harts' needs a value (N) (see mmlab run --help)\n");
  });

  it("run without a program", async () => {
    const r = await mmlab("run", "--bare");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab run: no PROGRAM given (see mmlab run --help)\n");
  });

  it("options after the program of a bare run are refused, not ignored", async () => {
    const prog = writeFile(tmp.path("pass.elf"), passElf());
    const r = await mmlab("run", "--bare", prog, "--stats");
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain("options go before PROGRAM");
  });
});

describe("bad input files: one line naming the file, exit status 2", () => {
  const valid = passElf();
  const patched = (at: number, bytes: number[]): Uint8Array => {
    const b = valid.slice();
    bytes.forEach((v, i) => {
      b[at + i] = v;
    });
    return b;
  };
  const outside = writeElf({
    entry: 0x8000_0000n,
    segments: [
      { vaddr: 0x8000_0000n, data: valid.slice(0, 16), flags: PF_R | PF_X },
      { vaddr: 0x4000_0000n, data: new Uint8Array(64), flags: PF_R | PF_W },
    ],
  });
  const cases: [string, Uint8Array, string[], RegExp][] = [
    ["not ELF", new TextEncoder().encode("#!/bin/sh\necho hello\n"), [], /not an ELF file/],
    ["wrong class (ELFCLASS32)", patched(4, [1]), [], /32-bit ELF/],
    ["wrong machine (x86-64)", patched(18, [62, 0]), [], /built for x86-64.*not RISC-V/],
    ["truncated header", valid.slice(0, 40), [], /truncated/],
    ["truncated program headers", valid.slice(0, 100), [], /truncated/],
    ["a segment outside RAM", outside, [], /segment \d \[0x40000000, 0x40000040\) lies outside RAM/],
    ["a segment beyond --mem", elfOf([0x6f], 0x8010_0000n), ["--mem", "64K"], /outside RAM/],
    ["an empty file", new Uint8Array(0), [], /truncated/],
  ];
  it.each(cases)("%s", async (_what, bytes, opts, message) => {
    const prog = writeFile(tmp.path("bad.elf"), bytes);
    const r = await mmlab("run", "--bare", ...opts, prog);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr.slice(0, `mmlab: ${prog}: `.length)).toBe(`mmlab: ${prog}: `);
    expect(r.stderr).toMatch(message);
  });

  it("a missing file", async () => {
    const r = await mmlab("run", "--bare", tmp.path("nope.elf"));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mmlab: ${tmp.path("nope.elf")}: no such file\n`);
  });

  it("a directory", async () => {
    const r = await mmlab("run", "--bare", tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mmlab: ${tmp.dir}: is a directory\n`);
  });
});

describe("guest exit statuses", () => {
  let pass = "";
  beforeEach(() => {
    pass = writeFile(tmp.path("ok.elf"), passElf());
  });

  it("a passing guest exits 0 and prints nothing of mmlab's", async () => {
    const r = await mmlab("run", "--bare", pass);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it.each([1, 5, 42])("a guest failing test %i exits with that status", async (n) => {
    const prog = writeFile(tmp.path(`fail${n}.elf`), failElf(n));
    const r = await mmlab("run", "--bare", prog);
    expect(r.status).toBe(n);
    expect(r.stderr).toBe(`mmlab: test finisher: fail ${n}\n`);
  });

  it("--quiet drops the line saying why the run ended", async () => {
    const prog = writeFile(tmp.path("fail7.elf"), failElf(7));
    const r = await mmlab("run", "--bare", "--quiet", prog);
    expect(r).toEqual({ status: 7, stdout: "", stderr: "" });
  });

  it("--max-insns stops a runaway guest with status 124", async () => {
    const prog = writeFile(tmp.path("loop.elf"), loopElf());
    const r = await mmlab("run", "--bare", "--max-insns", "10000", prog);
    expect(r.status).toBe(124);
    expect(r.stderr).toBe("mmlab: stopped after 10000 instructions (--max-insns)\n");
  });

  it("a trap handler that traps at its own first instruction stops the machine (status 3)", async () => {
    const prog = writeFile(tmp.path("fault.elf"), faultElf());
    const r = await mmlab("run", "--bare", "--max-insns", "1000000", prog);
    expect(r.status).toBe(3);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/^mmlab: hart 0: trap loop: instruction access fault .*mtvec = 0x0/);
  });

  it("several harts: the first to reach the finisher ends the run", async () => {
    const r = await mmlab("run", "--bare", "--harts", "4", "--mem", "16M", pass);
    expect(r.status).toBe(0);
  });
});

describe("--stats", () => {
  it("--stats=json writes one JSON object with per-hart and total counters", async () => {
    const prog = writeFile(tmp.path("loop.elf"), loopElf());
    const r = await mmlab("run", "--bare", "--harts", "2", "--max-insns", "50000", "--stats=json", prog);
    expect(r.status).toBe(124);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("mmlab: stopped after 50000 instructions (--max-insns)");
    expect(lines).toHaveLength(2);
    const s = JSON.parse(lines[1]!) as Record<string, unknown> & { harts: Record<string, unknown>[] };
    expect(s.exitCode).toBe(124);
    expect(s.instret).toBe(50000);
    expect(typeof s.wallSeconds).toBe("number");
    expect(typeof s.mips).toBe("number");
    expect(s.harts).toHaveLength(2);
    for (const h of s.harts) {
      expect(h).toHaveProperty("instret");
      expect(h).toHaveProperty("wallSeconds");
      expect(h).toHaveProperty("mips");
    }
    expect((s.harts[0]!.instret as number) + (s.harts[1]!.instret as number)).toBe(50000);
  });

  it("--stats prints a table with the counters and the traps by cause", async () => {
    const prog = writeFile(tmp.path("fault.elf"), faultElf());
    const r = await mmlab("run", "--bare", "--stats", prog);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/instret\s+cycles\s+clock\s+time s\s+wall s\s+MIPS\s+traps/);
    expect(r.stderr).toMatch(/^hart 0 /m);
    expect(r.stderr).toMatch(/exception 2: illegal instruction\s+1$/m);
    expect(r.stderr).toMatch(/exception 1: instruction access fault\s+1,000$/m);
  });
});

describe("--trace insn", () => {
  it("prints hart, privilege, pc, bits and disassembly, up to --trace-limit lines", async () => {
    const prog = writeFile(tmp.path("ok.elf"), passElf());
    const r = await mmlab("run", "--bare", "--trace", "insn", "--trace-limit", "3", prog);
    expect(r.status).toBe(0);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      "core 0: M 0x0000000080000000 (0x001002b7) lui t0, 0x100",
      "core 0: M 0x0000000080000004 (0x00005337) lui t1, 0x5",
      "core 0: M 0x0000000080000008 (0x55530313) addi t1, t1, 1365",
      "mmlab: trace stopped after 3 instructions (--trace-limit)",
    ]);
  });

  it("traces every instruction of a short run", async () => {
    const prog = writeFile(tmp.path("ok.elf"), passElf());
    const r = await mmlab("run", "--bare", "--trace=insn", prog);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(4);
    expect(r.stderr).toContain("sw t1, 0(t0)");
  });
});
