// The kernel-side commands: `mmlab run` in kernel mode (programs made by the assembler), `mmlab
// boot` (test_vmalloc, scripts, the exit-status rule), the console's interpreter, and the TLB in
// --stats and --trace tlb.

import { symlinkSync } from "node:fs";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { consoleLoop } from "../../src/cli/console.js";
import { PROGRESS_LOG_SECONDS, testVmallocProgress } from "../../src/cli/kernel-session.js";
import { hartTlb, perfEvents } from "../../src/cli/perf.js";
import { hostStdin } from "../../src/cli/run-kernel.js";
import { Machine } from "../../src/cpu/index.js";
import { bootKernel } from "../../src/kernel/index.js";
import { KConsole, parseNumber, runLines } from "../../src/session/index.js";
import { mmlab, tempDirPerTest, writeFile } from "../helpers/cli.js";
import { HELLO_USER } from "../helpers/programs.js";

const tmp = tempDirPerTest("mmlab-cli-");
afterEach(() => vi.restoreAllMocks());

/** A user program assembled at 0x10000, written as an ELF file. */
function program(name: string, src: string): string {
  return writeFile(tmp.path(name), assemble(src, { base: 0x10000n }).toElf());
}

const HELLO = HELLO_USER;

/** Writes argv[1] (then a newline) and exits with argc. */
const ECHO_ARG = `
_start:
    ld s0, 0(sp)          # argc
    ld s1, 16(sp)         # argv[1]
    mv a1, s1
    li a2, 0
1:  add t0, s1, a2
    lbu t1, 0(t0)
    beqz t1, 2f
    addi a2, a2, 1
    j 1b
2:  li a0, 1
    li a7, 64
    ecall
    li a0, 1
    la a1, nl
    li a2, 1
    li a7, 64
    ecall
    mv a0, s0
    li a7, 94
    ecall
  .data
nl: .ascii "\\n"
`;

/** Copies stdin to stdout until end of file, then exits 0. */
const CAT = `
_start:
1:  li a0, 0
    la a1, buf
    li a2, 64
    li a7, 63
    ecall
    blez a0, 2f
    mv a2, a0
    li a0, 1
    la a1, buf
    li a7, 64
    ecall
    j 1b
2:  li a0, 0
    li a7, 94
    ecall
  .data
buf: .zero 64
`;

const NULL_STORE = `
_start:
    li t0, 0
    sd t0, 0(t0)
`;

const SMALL = ["--mem", "64M"];

describe("mmlab run (kernel mode)", () => {
  it("runs a program: its stdout, and its exit status as ours", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, prog);
    expect(r).toEqual({ status: 3, stdout: "hello, world\n", stderr: "" });
  });

  it("boots with the largest RAM, 4 GiB (its page count does not fit 32 bits), and says so in meminfo", async () => {
    const r = await mmlab("run", "--mem", "4G", program("hello.elf", HELLO));
    expect(r).toEqual({ status: 3, stdout: "hello, world\n", stderr: "" });
  });

  it("passes the arguments after PROGRAM (argv[0] as typed)", async () => {
    const prog = program("echo.elf", ECHO_ARG);
    const r = await mmlab("run", ...SMALL, prog, "--not-an-option", "x");
    expect(r.stdout).toBe("--not-an-option\n");
    expect(r.status).toBe(3);
  });

  it("--clear-env gives the program an empty environment; --env values replace the default", async () => {
    const envc = "guests/bin/echo_args.nolibc.elf";
    const empty = await mmlab("run", ...SMALL, "--clear-env", envc);
    expect(empty.stdout).not.toContain("envp[");
    const dflt = await mmlab("run", ...SMALL, envc);
    expect(dflt.stdout).toContain("envp[0]=HOME=/");
    const one = await mmlab("run", ...SMALL, "--env", "A=1", envc);
    expect(one.stdout).toContain("envp[0]=A=1\n");
    expect(one.stdout).not.toContain("envp[1]");
  });

  it("a .s program is assembled for user space and runs the same way", async () => {
    const prog = writeFile(tmp.path("hello.s"), HELLO);
    const r = await mmlab("run", ...SMALL, prog);
    expect(r).toEqual({ status: 3, stdout: "hello, world\n", stderr: "" });
  });

  it("passes stdin through, to end of file", async () => {
    const chunks = [new TextEncoder().encode("line one\nline two\n"), new Uint8Array(0)];
    vi.spyOn(hostStdin, "read").mockImplementation(() => chunks.shift() ?? new Uint8Array(0));
    const prog = program("cat.elf", CAT);
    const r = await mmlab("run", ...SMALL, prog);
    expect(r).toEqual({ status: 0, stdout: "line one\nline two\n", stderr: "" });
  });

  it("a NULL store: status 139 and the kernel's segfault line on stderr", async () => {
    const prog = program("null.elf", NULL_STORE);
    const r = await mmlab("run", ...SMALL, prog);
    expect(r.status).toBe(139);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^\[\s*\d+\.\d{6}\] null\.elf\[1\]: segfault at 0 ip 0000000000010004 sp [0-9a-f]{16} error 6/,
    );
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("a missing file: one line, status 127", async () => {
    const r = await mmlab("run", tmp.path("nope"));
    expect(r).toEqual({ status: 127, stdout: "", stderr: `mmlab: ${tmp.path("nope")}: no such file\n` });
  });

  it("a file that is not ELF: one line, status 126", async () => {
    const prog = writeFile(tmp.path("script.sh"), "#!/bin/sh\necho hi\n");
    const r = await mmlab("run", ...SMALL, prog);
    expect(r.status).toBe(126);
    expect(r.stderr).toBe(`mmlab: ${prog}: not an ELF file (bad magic)\n`);
  });

  it("--strace prints every call in strace's format on stderr", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--strace", prog);
    expect(r.stdout).toBe("hello, world\n");
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      'write(1, "hello, world\\n", 13) = 13',
      "exit_group(3) = ?",
      "+++ exited with 3 +++",
    ]);
  });

  it("--dmesg shows the boot log; without it the log is quiet", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--dmesg", "--append", "init_on_free=1", prog);
    expect(r.stderr).toMatch(/\] Kernel command line: init_on_free=1\n/);
  });

  it("unknown kernel parameters are reported even without --dmesg", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--append", "frobnicate=1", prog);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/Unknown kernel command line parameters "frobnicate=1"/);
  });

  it("--smaps prints the mappings at exit", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--smaps", prog);
    expect(r.stderr).toMatch(/^mmlab: smaps of hello\.elf\[1\] at exit:\n00010000-00011000 r-xp /);
    expect(r.stderr).toMatch(/\[stack\]\nSize: +8192 kB/);
  });

  it("--max-insns stops a looping program with status 124", async () => {
    const prog = program("loop.elf", "_start: j _start\n");
    const r = await mmlab("run", ...SMALL, "--max-insns", "10000", prog);
    expect(r.status).toBe(124);
    expect(r.stderr).toBe("mmlab: stopped after 10000 instructions (--max-insns)\n");
  });

  it.each([
    [["--satp", "sv39"], "mmlab run: not supported: --satp sv39 with the kernel (the kernel uses Sv48)\n"],
    [
      ["--env", "NOEQUALS"],
      "mmlab run: bad value 'NOEQUALS' for '--env': expected KEY=VALUE (see mmlab run --help)\n",
    ],
    [["--seed", "-1"], /bad value '-1' for '--seed'/],
    [["--mount", "nocolon"], /--mount expects HOST:GUEST, got 'nocolon'/],
  ] as const)("usage: %j → exit 2", async (args, message) => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...args, prog);
    expect(r.status).toBe(2);
    if (typeof message === "string") expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
  });

  it("a --mount host path that cannot be reached is refused with the reason", async () => {
    const prog = program("hello.elf", HELLO);
    symlinkSync(tmp.path("loop-b"), tmp.path("loop-a"));
    symlinkSync(tmp.path("loop-a"), tmp.path("loop-b"));
    for (const [host, why] of [
      [tmp.path("none"), "no such file or directory"],
      [tmp.path("loop-a"), "too many levels of symbolic links"],
      [`${prog}/x`, "a component of the path is not a directory"],
    ]) {
      const r = await mmlab("run", ...SMALL, "--mount", `${host}:/m`, prog);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`mmlab: ${host}: ${why} (--mount ${host}:/m)\n`);
    }
  });

  it("--trace insn traces the program's U-mode instructions, bounded by --trace-limit", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--trace", "insn", "--trace-limit", "3", prog);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("hello, world\n");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^core 0: U 0x0000000000010000 \(0x[0-9a-f]+\) addi a0, zero, 1$/);
    expect(lines[3]).toBe("mmlab: trace stopped after 3 instructions (--trace-limit)");
  });

  it("--trace insn prints an instruction that straddles two pages with its real upper half", async () => {
    // The upper half lives in the next virtual page, whose frame is not the next one in RAM.
    const src = `_start:\n j there\n .space 0xffe - 4\nthere:\n addi a0, zero, 7\n li a7, 93\n ecall\n`;
    const r = await mmlab("run", ...SMALL, "--trace", "insn", program("straddle.elf", src));
    expect(r.status).toBe(7);
    expect(r.stderr).toContain("core 0: U 0x0000000000010ffe (0x00700513) addi a0, zero, 7\n");
  });

  it("--trace insn under the kernel traces every process's U-mode instructions, as its help says", async () => {
    // The parent forks (clone with SIGCHLD), the child exits 5 from its own code, the parent
    // waits for it and exits 0.
    const src = `_start:
    li a0, 17
    li a1, 0
    li a2, 0
    li a3, 0
    li a4, 0
    li a7, 220
    ecall
    beqz a0, child
    li a0, -1
    li a1, 0
    li a2, 0
    li a3, 0
    li a7, 260
    ecall
    li a0, 0
    li a7, 93
    ecall
child:
    li a0, 5
    li a7, 93
    ecall
`;
    const r = await mmlab("run", ...SMALL, "--trace", "insn", program("fork.elf", src));
    expect(r.status).toBe(0);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.every((l) => /^core 0: U 0x[0-9a-f]{16} \(0x[0-9a-f]+\) /.test(l))).toBe(true);
    expect(r.stderr).toMatch(/\) addi a0, zero, 5\n/); // the child's first instruction
    expect(lines.filter((l) => l.endsWith(" ecall"))).toHaveLength(4); // clone, wait4, 2 exits
    const help = await mmlab("run", "--help");
    expect(help.stdout).toContain("insn: each instruction (under the kernel: every process's U-mode ones");
  });

  it("kernel-mode options are refused with --bare", async () => {
    const r = await mmlab("run", "--bare", "--strace", "x.elf");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab run: '--strace' is for kernel mode, not --bare (see mmlab run --help)\n");
  });
});

describe("--stats and --trace tlb", () => {
  it("--stats=json has a tlb object with the perf-event names", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--stats=json", prog);
    expect(r.status).toBe(3);
    const s = JSON.parse(r.stderr) as {
      tlb: { preset: string; events: Record<string, number>; harts: { events: Record<string, number> }[] };
      kernel: { context_switches: number };
    };
    expect(s.tlb.preset).toBe("skylake");
    for (const name of [
      "dTLB-loads",
      "dTLB-store-misses",
      "iTLB-loads",
      "dtlb_load_misses.walk_completed_4k",
      "dtlb_store_misses.walk_completed_2m",
      "dtlb_load_misses.stlb_hit",
      "itlb_misses.walk_completed",
      "page_walker_loads.dtlb",
      "tlb_flush.all",
      "tlb_flush.entries_dropped",
    ]) {
      expect(s.tlb.events).toHaveProperty([name]);
    }
    expect(s.tlb.events["itlb_misses.walk_completed"]).toBeGreaterThan(0);
    expect(s.tlb.harts[0]!.events).toEqual(s.tlb.events);
    expect(s.kernel.context_switches).toBe(1);
  });

  it("--stats prints the TLB table after the counters", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--stats", "--tlb", "tiny", prog);
    expect(r.stderr).toMatch(/^TLB \(tiny\): perf events\s+hart 0$/m);
    expect(r.stderr).toMatch(/^ {2}itlb_misses\.walk_completed_4k\s+[1-9]/m);
    expect(r.stderr).toMatch(/^TLB arrays\s+level\s+entries/m);
    expect(r.stderr).toMatch(/^ {2}stlb\s+l2\s+16\s+4\s+lru/m);
  });

  it("bare mode reports the TLB too (all zero with satp Bare)", async () => {
    const prog = writeFile(
      tmp.path("pass.s"),
      "_start: li t0, 0x100000\n li t1, 0x5555\n sw t1, 0(t0)\n1: j 1b\n",
    );
    const r = await mmlab("run", "--bare", "--stats=json", prog);
    const s = JSON.parse(r.stderr) as { tlb: { events: Record<string, number> } };
    expect(s.tlb.events["dTLB-loads"]).toBe(0);
  });

  it("perfEvents names walks by leaf size", () => {
    const m = new Machine({ mem: 64 << 20, tlb: "tiny" });
    const k = bootKernel(m, "");
    const p = k.vmalloc.vmalloc(8192);
    k.kmem.write8(p, 1);
    k.kmem.read8(p + 4096n);
    const { tlb, walker } = hartTlb(m, 0);
    const ev = perfEvents(tlb, walker);
    expect(ev["dtlb_store_misses.walk_completed_4k"]).toBeGreaterThanOrEqual(1);
    expect(ev["dtlb_load_misses.walk_completed_4k"]).toBeGreaterThanOrEqual(1);
  });

  it("--trace tlb prints walks, fills and flushes, bounded by --trace-limit", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab("run", ...SMALL, "--trace", "tlb", "--trace-limit", "6", prog);
    expect(r.stdout).toBe("hello, world\n");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[6]).toBe("mmlab: trace stopped after 6 TLB events (--trace-limit)");
    for (const l of lines.slice(0, 6)) expect(l).toMatch(/^tlb 0: (walk|fill|evict|flush) /);
    expect(r.stderr).toMatch(/^tlb 0: walk {2}(load |store|fetch) va 0x[0-9a-f]+ asid \d+: /m);
  });

  it("--trace-kind and --trace-range filter the events", async () => {
    const prog = program("hello.elf", HELLO);
    const r = await mmlab(
      "run",
      ...SMALL,
      "--trace",
      "tlb",
      "--trace-kind",
      "x",
      "--trace-range",
      "10000-10fff",
      prog,
    );
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines)
      expect(l).toMatch(/^tlb 0: (walk {2}fetch va 0x10000 |fill {2}fetch \S+ va 0x10000 |flush )/);
    expect(r.stderr).toContain("walk  fetch va 0x10000 asid 1: 4k leaf");
  });

  it("the trace filters need --trace tlb", async () => {
    const r = await mmlab("boot", "--trace-range", "0-fff");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab boot: '--trace-range' needs '--trace tlb' (see mmlab boot --help)\n");
  });

  it("a bad --trace-range is named", async () => {
    const r = await mmlab("boot", "--trace", "tlb", "--trace-range", "fff-0");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mmlab boot: bad value 'fff-0' for '--trace-range'/);
  });
});

describe("--satp with --bare", () => {
  /** Writes satp with MODE = `mode` and passes if the write took effect, fails test 1 if not. */
  const satpProbe = (mode: number): string => `
_start: li t0, ${mode}
        slli t0, t0, 60
        csrw satp, t0
        csrr t1, satp
        li t2, 0x100000
        li t3, 0x5555
        beq t0, t1, 1f
        li t3, (1 << 16) | 0x3333
1:      sw t3, 0(t2)
2:      j 2b
`;

  it.each([
    [[], 9, 0],
    [["--satp", "sv48"], 9, 0],
    [["--satp", "sv39"], 9, 1],
    [["--satp", "sv39"], 8, 0],
    [["--satp", "sv57"], 10, 0],
  ] as const)("%j: satp MODE %i accepted → status %i", async (opts, mode, status) => {
    const prog = writeFile(tmp.path(`satp${mode}.s`), satpProbe(mode));
    const r = await mmlab("run", "--bare", "--quiet", ...opts, prog);
    expect(r.status).toBe(status);
  });
});

describe("mmlab boot", () => {
  it("runs test_vmalloc from the command line: the Summary line, exit 0", async () => {
    const r = await mmlab(
      "boot",
      ...SMALL,
      "--append",
      "test_vmalloc.run_test_mask=4096 test_vmalloc.test_loop_count=50",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\[ {4}0\.000000\] Linux version /);
    expect(r.stdout).toMatch(
      /^\[\s*\d+\.\d{6}\] Summary: vrealloc_test passed: 1 failed: 0 xfailed: 0 repeat: 1 loops: 50 avg: \d+ usec$/m,
    );
  });

  it("--stats with --harts 2 shows each hart's clock (the kernel's work on it) and its time", async () => {
    const append = "test_vmalloc.run_test_mask=1 test_vmalloc.nr_threads=2 test_vmalloc.test_loop_count=20";
    const json = await mmlab("boot", ...SMALL, "--harts", "2", "--stats=json", "--append", append);
    expect(json.status).toBe(0);
    const s = JSON.parse(json.stderr) as { clock: number; harts: { hart: number; clock: number }[] };
    expect(s.harts).toHaveLength(2);
    // Each worker ran on its own hart: its cycles, as test_vmalloc's summary says, are on that
    // hart's clock (which also holds the boot's work on it).
    for (const h of s.harts) {
      const took = json.stdout.match(new RegExp(`worker${h.hart}=(\\d+) cycles`));
      expect(Number(took?.[1])).toBeGreaterThan(0);
      expect(h.clock).toBeGreaterThanOrEqual(Number(took?.[1]));
    }
    expect(s.clock).toBe(s.harts[0]!.clock + s.harts[1]!.clock);
    const table = await mmlab("boot", ...SMALL, "--harts", "2", "--stats", "--append", append);
    expect(table.stderr).toMatch(/^\s+instret\s+cycles\s+clock\s+time s\s+wall s\s+MIPS\s+traps$/m);
    for (const h of s.harts) {
      const seconds = (h.clock / 1e9).toFixed(6);
      const clock = h.clock.toLocaleString("en-US");
      expect(table.stderr).toMatch(
        new RegExp(`^hart ${h.hart}\\s+0\\s+0\\s+${clock}\\s+${seconds}\\s+-`, "m"),
      );
    }
  });

  it("with stderr not a terminal, test_vmalloc's progress is a line now and then, never a flood", () => {
    const k = bootKernel(new Machine({ mem: 64 << 20, tlb: "tiny" }), "");
    let ms = 0;
    let text = "";
    const sink = { tty: false, now: () => ms, write: (t: string) => (text += t) };
    const progress = testVmallocProgress(k, sink);
    const hook = k.testVmalloc.onProgress;
    expect(hook).not.toBeNull();
    // 1000 reports of a long run, one a second (test_vmalloc reports every 1024 loops).
    for (let i = 0; i < 1000; i++) {
      ms += 1000;
      hook?.(0, "long_busy_list_alloc_test", i * 1024, 1000 * 1024);
    }
    progress.stop();
    expect(k.testVmalloc.onProgress).toBeNull();
    const lines = text.split("\n").slice(0, -1);
    expect(lines).toHaveLength(Math.floor(1000 / PROGRESS_LOG_SECONDS));
    expect(lines[0]).toBe(
      `mmlab boot: test_vmalloc: worker 0: long_busy_list_alloc_test 1% (${PROGRESS_LOG_SECONDS}.0 s)`,
    );
    expect(lines[1]).toMatch(new RegExp(` 3% \\(${2 * PROGRESS_LOG_SECONDS}\\.0 s\\)$`));
    expect(text).not.toContain("\r");
  });

  it("with stderr not a terminal, a short test_vmalloc run prints no progress", async () => {
    const r = await mmlab(
      "boot",
      ...SMALL,
      "--append",
      "test_vmalloc.run_test_mask=1 test_vmalloc.test_loop_count=10",
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("on a terminal the progress is one line redrawn in place, erased at the end", () => {
    const k = bootKernel(
      new Machine({ mem: 64 << 20, tlb: "tiny" }),
      "test_vmalloc.run_test_mask=1 test_vmalloc.test_loop_count=10",
    );
    let ms = 0;
    let text = "";
    const sink = { tty: true, now: () => (ms += 1000), write: (t: string) => (text += t) };
    const progress = testVmallocProgress(k, sink);
    k.testVmalloc.run();
    progress.stop();
    expect(text.startsWith("\r\x1b[Ktest_vmalloc: worker 0: fix_size_alloc_test 0% (1.0 s)")).toBe(true);
    expect(text).not.toContain("\n");
    expect(text.endsWith("\r\x1b[K")).toBe(true);
  });

  it("--script sets a cgroup's memory.max from the console's commands, and the limit holds", async () => {
    const script = writeFile(
      tmp.path("memcg.txt"),
      "mkdir /sys/fs/cgroup/job\necho 32K > /sys/fs/cgroup/job/memory.max\nset_active_memcg /sys/fs/cgroup/job\n" +
        "p = kmalloc 16K GFP_KERNEL_ACCOUNT\nq = vmalloc 64K GFP_KERNEL_ACCOUNT\ncat /sys/fs/cgroup/job/memory.current\n",
    );
    const r = await mmlab("boot", ...SMALL, "--script", script);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^p = 0xffff/m);
    expect(r.stdout).toMatch(/^q = NULL$/m);
    expect(r.stdout).toMatch(/^\d+$/m);
    expect(Number(/^(\d+)$/m.exec(r.stdout)?.[1])).toBeLessThanOrEqual(32768);
  });

  it("reports unknown parameters as Linux does, and still passes", async () => {
    const r = await mmlab("boot", ...SMALL, "--append", "foo=bar quiet_please");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'Unknown kernel command line parameters "foo=bar quiet_please", will be passed to user space.',
    );
  });

  it("a bad parameter value fails the boot", async () => {
    const r = await mmlab("boot", ...SMALL, "--append", "test_vmalloc.run_test_mask=lots");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mmlab boot: FAILED: 1 problem with the command line/);
  });

  it("--satp other than sv48 is refused", async () => {
    const r = await mmlab("boot", "--satp", "sv57");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mmlab boot: not supported: --satp sv57 with the kernel (the kernel uses Sv48)\n");
  });

  it("a script: 256K → 16K vrealloc leaves pages=4 in /proc/vmallocinfo", async () => {
    const script = writeFile(
      tmp.path("shrink.txt"),
      [
        "# shrink a 256 KiB area to 16 KiB",
        "p = vmalloc 256K",
        "write p+16K-8 0x1122334455667788",
        "vrealloc p 16K",
        "cat /proc/vmallocinfo",
        "cat /proc/meminfo",
        "read p 16",
      ].join("\n"),
    );
    const r = await mmlab("boot", ...SMALL, "--script", script);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^p = 0xffff8f8000000000$/m);
    expect(r.stdout).toMatch(/^0xffff8f8000000000-0xffff8f8000041000 +266240 \S+ pages=4 vmalloc N0=4$/m);
    expect(r.stdout).toMatch(/^VmallocUsed: +16 kB$/m);
    expect(r.stdout).toMatch(/^ffff8f8000000000 {2}00 00 00 00/m);
  });

  it("reading past the shrunk size is a KASAN report, then a page fault: expected, so exit 0", async () => {
    const script = writeFile(
      tmp.path("kasan.txt"),
      ["p = vmalloc 256K", "vrealloc p 16K", "expect kasan,oops read p+16K-8 16"].join("\n"),
    );
    const r = await mmlab("boot", ...SMALL, "--script", script);
    expect(r.stdout).toContain("BUG: KASAN: vmalloc-out-of-bounds");
    expect(r.stdout).toContain("Unable to handle kernel paging request at virtual address ffff8f8000004000");
    expect(r.status).toBe(0);
  });

  it("an unexpected KASAN report fails the boot", async () => {
    const script = writeFile(tmp.path("oob.txt"), "p = vmalloc 100\nread p+96 8\n");
    const r = await mmlab("boot", ...SMALL, "--script", script);
    expect(r.stdout).toContain("BUG: KASAN: vmalloc-out-of-bounds");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("mmlab boot: FAILED: 1 KASAN report\n");
  });

  it("a script error names the file and line, and stops the script with exit 1", async () => {
    const script = writeFile(
      tmp.path("typo.txt"),
      "p = vmalloc 4K\n\n# comment\nvmaloc 8K\necho not reached\n",
    );
    const r = await mmlab("boot", ...SMALL, "--script", script);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("not reached");
    expect(r.stderr.split("\n")[0]).toBe(
      `mmlab: ${script}:4: unknown command 'vmaloc' (did you mean 'vmalloc'?) (see help)`,
    );
  });

  it("a script that is missing is an input error (exit 2)", async () => {
    const r = await mmlab("boot", "--script", tmp.path("none.txt"));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mmlab: ${tmp.path("none.txt")}: no such file\n`);
  });

  it("--stats=json after a boot has the kernel's and the TLB's counters", async () => {
    const r = await mmlab(
      "boot",
      ...SMALL,
      "--stats=json",
      "--append",
      "test_vmalloc.run_test_mask=4096 test_vmalloc.test_loop_count=10",
    );
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stderr) as {
      reason: string;
      tlb: { events: Record<string, number> };
      kernel: { vmstat: Record<string, number> };
    };
    expect(s.reason).toBe("boot passed");
    expect(s.tlb.events["dtlb_store_misses.walk_completed_4k"]).toBeGreaterThan(0);
    expect(s.tlb.events["tlb_flush.va"]).toBeGreaterThan(0);
    expect(s.kernel.vmstat).toHaveProperty("nr_tlb_local_flush_one");
  });
});

describe("the console interpreter", () => {
  const boot = () => {
    const k = bootKernel(new Machine({ mem: 256 << 20, harts: 2, tlb: "tiny" }), "");
    let text = "";
    const kc = new KConsole(k, (s) => {
      text += s;
    });
    return { k, kc, out: () => text };
  };

  it("parses sizes and hex", () => {
    expect(parseNumber("4K")).toBe(4096n);
    expect(parseNumber("2M")).toBe(2n << 20n);
    expect(parseNumber("1G")).toBe(1n << 30n);
    expect(parseNumber("0xffff8f8000000000")).toBe(0xffff8f8000000000n);
    expect(parseNumber("12")).toBe(12n);
    expect(parseNumber("4X")).toBeUndefined();
  });

  it("keeps pointers in variables; vrealloc updates its variable", () => {
    const { kc, out } = boot();
    expect(kc.exec("p = vmalloc 256K")).toEqual({ kind: "ok" });
    expect(kc.exec("vrealloc p 16K")).toEqual({ kind: "ok" });
    expect(kc.vars.get("p")).toBe(0xffff8f8000000000n);
    expect(kc.exec("q = p+0x1000")).toEqual({ kind: "ok" });
    expect(kc.vars.get("q")).toBe(0xffff8f8000001000n);
    expect(out()).toBe("p = 0xffff8f8000000000\np = 0xffff8f8000000000\n");
  });

  it("write then read: a hexdump of what was written", () => {
    const { kc, out } = boot();
    kc.exec("p = vzalloc 8K");
    expect(kc.exec("write p+4K 0x41424344 4")).toEqual({ kind: "ok" });
    expect(kc.exec('write p+4K+4 "hi\\n"')).toEqual({ kind: "ok" });
    kc.exec("read p+4K 16");
    expect(out()).toContain(
      "ffff8f8000001000  44 43 42 41 68 69 0a 00  00 00 00 00 00 00 00 00  |DCBAhi..........|",
    );
  });

  it("tlb lists the entries; walk shows the levels", () => {
    const { kc, out } = boot();
    kc.exec("p = vmalloc 4K");
    kc.exec("read p 8");
    kc.exec("tlb");
    expect(out()).toMatch(/^hart 0: TLB tiny, satp sv48: \d+ valid entr/m);
    expect(out()).toMatch(/^dtlb +0xffff8f8000000000-0xffff8f8000000fff +0x[0-9a-f]+ +4K +0 +g +rw--gad$/m);
    kc.exec("walk p+8");
    expect(out()).toMatch(/level 3 PGD \[287\] pte @ 0x[0-9a-f]+ = 0x[0-9a-f]{16} V------- {2}-> next table/);
    expect(out()).toMatch(/level 0 PTE \[ {2}0\] pte @ .* VRW--GAD {2}leaf: 4K page at 0x[0-9a-f]+/);
    expect(out()).toMatch(/=> pa 0x[0-9a-f]+008\n {2}TLB of hart 0: dtlb holds it/);
  });

  it("hart N switches the CPU whose MMU the kernel uses", () => {
    const { k, kc } = boot();
    expect(kc.exec("hart 1")).toEqual({ kind: "ok" });
    expect(k.cpu).toBe(1);
    expect(kc.exec("hart 2")).toEqual({ kind: "error", message: "no hart '2' (harts 0 to 1)" });
  });

  it("mistakes are errors with a message; an unexpected oops is reported as such", () => {
    const { kc } = boot();
    expect(kc.exec("vfree")).toEqual({ kind: "error", message: "missing argument (usage: vfree PTR)" });
    expect(kc.exec("vfree zz")).toEqual({ kind: "error", message: "no variable 'zz'" });
    expect(kc.exec("cat /proc/nope")).toMatchObject({ kind: "error" });
    expect(kc.exec("print 0x1_0000_0000_0000_0000")).toEqual({
      kind: "error",
      message: "bad value '0x1_0000_0000_0000_0000': wider than 64 bits",
    });
    expect(kc.exec("print 0-8")).toEqual({ kind: "ok" }); // a sum wraps, as pointer arithmetic
    expect(kc.exec("read 0xffff8f8000100000 8")).toEqual({ kind: "oops" });
    expect(kc.exec("expect warn vfree 0x1234")).toEqual({ kind: "ok" });
    expect(kc.exec("expect warn echo hi")).toEqual({
      kind: "error",
      message: "expected a WARNING, but none came",
    });
    expect(kc.unexpected()).toEqual({ kasan: 0, warn: 0, oops: 1 });
  });

  it("kmalloc, ksize, krealloc, kvmalloc and kvrealloc through the slab layer", () => {
    const { kc, out } = boot();
    expect(kc.exec("q = kmalloc 100")).toEqual({ kind: "ok" });
    expect(kc.vars.get("q")).toBeGreaterThan(0x10n);
    expect(kc.exec("ksize q")).toEqual({ kind: "ok" });
    expect(out()).toMatch(/\n128\n$/);
    expect(kc.exec("krealloc q 300")).toEqual({ kind: "ok" });
    expect(kc.exec("kfree q")).toEqual({ kind: "ok" });
    expect(kc.exec("v = kvmalloc 64M")).toEqual({ kind: "ok" });
    expect(kc.vars.get("v")! >> 44n).toBe(0xffff8n); // too big for kmalloc: vmalloc
    expect(kc.exec("kvrealloc v 0")).toEqual({ kind: "ok" });
    expect(kc.vars.get("v")).toBe(0n);
    expect(kc.exec("cat /proc/slabinfo")).toEqual({ kind: "ok" });
    expect(kc.exec("cat /sys/fs/cgroup/memory.stat")).toEqual({ kind: "ok" });
    expect(out()).toMatch(/^kmalloc-128 /m);
  });

  it("cat reads any file of the kernel's tree through the VFS", () => {
    const { kc, out } = boot();
    expect(kc.exec("cat /proc/cpuinfo")).toEqual({ kind: "ok" });
    expect(out()).toMatch(/^mmu\t\t: sv48$/m);
    expect(kc.exec("cat /proc/sys/vm/max_map_count")).toEqual({ kind: "ok" });
    expect(out()).toMatch(/\n65530\n$/);
    expect(kc.exec("cat meminfo")).toEqual({ kind: "ok" });
    expect(out()).toMatch(/^MemTotal: +\d+ kB$/m);
    expect(kc.exec("cat /tmp/none")).toEqual({
      kind: "error",
      message: "cat: /tmp/none: No such file or directory",
    });
    expect(kc.exec("cat /tmp")).toEqual({ kind: "error", message: "cat: /tmp: Is a directory" });
    expect(kc.exec("cat /proc/self/maps")).toEqual({
      kind: "error",
      message: "cat: /proc/self/maps: No such file or directory",
    });
  });

  it("runLines stops a script at the first failing line", () => {
    const { kc, out } = boot();
    const errors: string[] = [];
    const r = runLines(kc, "echo one\nfrob\necho two\n", (n, m) => errors.push(`${n}: ${m}`), true);
    expect(r).toEqual({ failedAt: 2, panicked: false });
    expect(errors).toEqual(["2: unknown command 'frob' (see help)"]);
    expect(out()).toBe("one\n");
  });

  it("the console loop reads piped lines, reports mistakes with their number and goes on", async () => {
    const { kc, out } = boot();
    let stderr = "";
    vi.spyOn(process.stderr, "write").mockImplementation((c: unknown) => {
      stderr += String(c);
      return true;
    });
    const r = await consoleLoop(kc, Readable.from(["echo a\nbogus\necho b\nquit\necho c\n"]), false);
    expect(r).toEqual({ failedAt: null, panicked: false });
    expect(out()).toBe("a\nb\n");
    expect(stderr).toBe("mmlab: <stdin>:2: unknown command 'bogus' (see help)\n");
  });

  it("piped console lines create cgroups, set memory.max and charge GFP_KERNEL_ACCOUNT to them", async () => {
    const { kc, out } = boot();
    let stderr = "";
    vi.spyOn(process.stderr, "write").mockImplementation((c: unknown) => {
      stderr += String(c);
      return true;
    });
    const script = [
      "mkdir /sys/fs/cgroup/a",
      "mkdir /sys/fs/cgroup/a/b",
      "echo 64K > /sys/fs/cgroup/a/memory.max",
      "cat /sys/fs/cgroup/a/memory.max",
      "set_active_memcg /sys/fs/cgroup/a/b",
      "p = vmalloc 16K GFP_KERNEL_ACCOUNT",
      "cat /sys/fs/cgroup/a/b/memory.current",
      "q = vmalloc 64K GFP_KERNEL_ACCOUNT", // over a's limit: NULL, the memcg OOM path
      "r = vmalloc 64K", // not accounted
      "cat /sys/fs/cgroup/a/memory.events",
      "mkdir /sys/fs/cgroup/a", // mistakes: named, the console goes on
      "mkdir /sys/fs/cgroup/x/y",
      "echo lots > /sys/fs/cgroup/a/memory.max",
      "echo 1 > /sys/fs/cgroup/a/memory.current",
      "echo 1 > /tmp/x",
      "set_active_memcg /sys/fs/cgroup/nope",
      "echo max > /sys/fs/cgroup/a/memory.max",
      "cat /sys/fs/cgroup/a/memory.max",
      "set_active_memcg /",
      "",
    ].join("\n");
    const r = await consoleLoop(kc, Readable.from([script]), false);
    expect(r).toEqual({ failedAt: null, panicked: false });
    const lines = out().split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "65536",
      "active memcg: /a/b (was /)",
      "p = 0xffff8f8000000000",
      lines[3],
    ]);
    expect(Number(lines[3])).toBeGreaterThanOrEqual(16384); // the pages, with what vmalloc accounts
    expect(lines[4]).toBe("q = NULL");
    expect(lines[5]).toMatch(/^r = 0xffff8f80000/);
    expect(lines).toContain("oom 1");
    expect(lines.find((l) => l.startsWith("max "))).not.toBe("max 0");
    expect(lines.slice(-3)).toEqual(["max", "active memcg: / (was /a/b)", ""]);
    expect(stderr.split("\n")).toEqual([
      "mmlab: <stdin>:11: mkdir: cannot create '/a': File exists",
      "mmlab: <stdin>:12: mkdir: /sys/fs/cgroup/x: no such cgroup",
      "mmlab: <stdin>:13: echo: bad memory.max value 'lots'",
      "mmlab: <stdin>:14: echo: /sys/fs/cgroup/a/memory.current: read-only (of a cgroup's files, only memory.max is written)",
      "mmlab: <stdin>:15: echo: not supported: writing to /tmp/x (only /sys/fs/cgroup/CG/memory.max)",
      "mmlab: <stdin>:16: set_active_memcg: /sys/fs/cgroup/nope: no such cgroup",
      "",
    ]);
  });

  it("a KASAN panic ends the console", () => {
    const k = bootKernel(new Machine({ mem: 64 << 20, tlb: "tiny" }), "kasan.fault=panic");
    const kc = new KConsole(k, () => {});
    kc.exec("p = vmalloc 100");
    expect(kc.exec("read p+100 8")).toEqual({ kind: "panic", expected: false });
  });
});
