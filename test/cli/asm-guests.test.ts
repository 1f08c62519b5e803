// `mmlab run --bare prog.s` (assembled by src/asm) and `mmlab demo`.

import { describe, expect, it } from "vitest";
import { DEMO_SOURCE } from "../../src/cli/demo.js";
import { mmlab, tempDirPerTest, writeFile } from "../helpers/cli.js";

const tmp = tempDirPerTest("mmlab-cli-");

const UART_THEN_FAIL_9 = `
        .text
        .globl _start
_start: la      a0, msg
        li      t0, 0x10000000
1:      lbu     t1, 0(a0)
        beqz    t1, 2f
        sb      t1, 0(t0)
        addi    a0, a0, 1
        j       1b
2:      li      t0, 0x100000
        li      t1, (9 << 16) | 0x3333
        sw      t1, 0(t0)
3:      j       3b
        .data
msg:    .asciz  "hi from a .s file\\n"
`;

const HTIF = `
        .text
        .globl _start
_start: la      t0, tohost
        li      t1, 0x0101000000000000 | 'O'
        sd      t1, 0(t0)
        li      t1, 0x0101000000000000 | 'K'
        sd      t1, 0(t0)
        li      t1, 0x0101000000000000 | '\\n'
        sd      t1, 0(t0)
        li      t1, EXIT
        sd      t1, 0(t0)
1:      j       1b
        .data
        .p2align 3
        .globl  tohost
tohost: .dword  0
`;

describe("assembly guests", () => {
  it("a .s file is assembled and run: UART output on stdout, the finisher's status", async () => {
    const prog = writeFile(tmp.path("uart.s"), UART_THEN_FAIL_9);
    const r = await mmlab("run", "--bare", prog);
    expect(r.stdout).toBe("hi from a .s file\n");
    expect(r.status).toBe(9);
    expect(r.stderr).toBe("mmlab: test finisher: fail 9\n");
  });

  it.each([
    [1, 0, ""],
    [(4 << 1) | 1, 4, "mmlab: tohost: test 4 failed\n"],
  ])("HTIF tohost: console putchar, then exit value %i gives status %i", async (value, status, stderr) => {
    const prog = writeFile(tmp.path("htif.s"), `        .equ EXIT, ${value}\n${HTIF}`);
    const r = await mmlab("run", "--bare", prog);
    expect(r).toEqual({ status, stdout: "OK\n", stderr });
  });

  it("assembler errors: one line per diagnostic, file:line:col, exit status 2", async () => {
    const prog = writeFile(tmp.path("bad.s"), "_start: addi a0, a0\n        frob a1\n");
    const r = await mmlab("run", "--bare", prog);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(new RegExp(`^mmlab: ${prog}:\\d+:\\d+: `));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("wfi on every hart with no interrupt to come stops the machine (status 3)", async () => {
    const prog = writeFile(tmp.path("wfi.s"), "_start: wfi\n        j _start\n");
    const r = await mmlab("run", "--bare", "--harts", "2", prog);
    expect(r.status).toBe(3);
    expect(r.stderr).toBe("mmlab: all harts are waiting in wfi and no interrupt can wake them\n");
  });
});

describe("mmlab demo", () => {
  it("prints the guest's greeting and results, then the counters table", async () => {
    const r = await mmlab("demo");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Hello from mmlab!/);
    expect(r.stdout).toContain(
      "primes below 1000000: 78498, the largest is 999983, their sum is 37550402023",
    );
    expect(r.stdout).toContain("the first ten: 2 3 5 7 11 13 17 19 23 29");
    expect(r.stdout).toContain('CRC-32 of "123456789": 0xcbf43926');
    expect(r.stderr).toMatch(/^mmlab: test finisher: pass \(exit status 0\)\n/);
    expect(r.stderr).toMatch(/instret\s+cycles\s+clock\s+time s\s+wall s\s+MIPS/);
    expect(r.stderr).toMatch(/^hart 0\s+\d{1,3}(,\d{3})+ /m);
  });

  it("-q: only the guest's output; with --stats, the table without the line on how the run ended", async () => {
    const quiet = await mmlab("demo", "-q");
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toMatch(/^Hello from mmlab!/);
    expect(quiet.stderr).toBe("");
    const table = await mmlab("demo", "-q", "--stats");
    expect(table.stderr).toMatch(/^\s+instret\s+cycles\s+clock\s+time s\s+wall s\s+MIPS/);
    expect(table.stderr).not.toContain("test finisher");
  });

  it("--stats=json gives the JSON object instead of the table", async () => {
    const r = await mmlab("demo", "--stats=json");
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stderr) as { exitCode: number; instret: number; harts: unknown[] };
    expect(s.exitCode).toBe(0);
    expect(s.instret).toBeGreaterThan(100_000);
    expect(s.harts).toHaveLength(1);
  });

  it("runs with several harts (the others sleep in wfi)", async () => {
    const r = await mmlab("demo", "--harts", "3", "--mem", "64M", "--quiet", "--stats=json");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("primes below 1000000: 78498");
  });

  it("--source prints the guest, which `run --bare` runs the same way", async () => {
    const src = await mmlab("demo", "--source");
    expect(src.status).toBe(0);
    expect(src.stdout).toBe(DEMO_SOURCE);
    const prog = writeFile(tmp.path("demo.s"), src.stdout);
    const ran = await mmlab("run", "--bare", prog);
    const demo = await mmlab("demo");
    expect(ran.status).toBe(0);
    expect(ran.stdout).toBe(demo.stdout);
  });

  it("takes no arguments", async () => {
    const r = await mmlab("demo", "extra");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab demo: unexpected argument 'extra' (see mmlab demo --help)\n");
  });
});
