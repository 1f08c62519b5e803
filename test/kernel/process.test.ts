import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { PF_R, PF_W, PF_X, writeElf } from "../../src/elf/index.js";
import { type Kernel, type TaskIo, UNKNOWN_SYSCALLS_SHOWN } from "../../src/kernel/index.js";
import { HELLO_USER, mmapAsm } from "../helpers/programs.js";
import { boot } from "./helpers.js";

function io(stdin = ""): TaskIo & { out: string; err: string } {
  let input = new TextEncoder().encode(stdin);
  const o = {
    out: "",
    err: "",
    stdin(max: number) {
      const b = input.subarray(0, max);
      input = input.subarray(b.length);
      return b;
    },
    write(fd: 1 | 2, data: Uint8Array) {
      if (fd === 1) o.out += new TextDecoder().decode(data);
      else o.err += new TextDecoder().decode(data);
    },
    isatty: () => false,
  };
  return o;
}

function program(src: string): Uint8Array {
  return assemble(src, { base: 0x10000n }).toElf();
}

function runProg(
  src: string,
  opts: { argv?: string[]; stdin?: string; cmdline?: string; harts?: number } = {},
) {
  const k: Kernel = boot(opts.cmdline ?? "", { mem: 128 << 20, harts: opts.harts ?? 1 });
  const tio = io(opts.stdin);
  const trace: string[] = [];
  const t = k.sched.spawn({
    elf: program(src),
    path: "/bin/prog",
    argv: opts.argv ?? ["prog"],
    envp: ["HOME=/"],
    io: tio,
    strace: (l) => trace.push(l),
  });
  k.sched.run(50_000_000);
  return { k, t, out: tio.out, trace };
}

const HELLO = HELLO_USER;

describe("user processes", () => {
  it("runs a program in U-mode: write and exit_group, traced like strace", () => {
    const r = runProg(HELLO);
    expect(r.out).toBe("hello, world\n");
    expect(r.t.exitCode).toBe(3);
    expect(r.trace).toEqual([
      'write(1, "hello, world\\n", 13) = 13',
      "exit_group(3) = ?",
      "+++ exited with 3 +++",
    ]);
  });

  it("loads a static-PIE (ET_DYN) at ELF_ET_DYN_BASE; its pc-relative code runs there", () => {
    const prog = assemble(HELLO, { base: 0n });
    const elf = writeElf({
      type: 3,
      entry: prog.entry,
      segments: prog.sections.map((s) => ({
        vaddr: s.addr,
        data: s.data,
        memsz: s.memsz,
        flags: s.flags === "rx" ? PF_R | PF_X : s.flags === "rw" ? PF_R | PF_W : PF_R,
      })),
    });
    const k = boot("", { mem: 128 << 20 });
    const tio = io();
    const t = k.sched.spawn({ elf, path: "/pie", argv: ["pie"], envp: [], io: tio });
    expect(t.pc).toBe(0x2a_aaaa_a000n + prog.entry);
    k.sched.run();
    expect(tio.out).toBe("hello, world\n");
    expect(t.exitCode).toBe(3);
  });

  it.each([
    ["a NULL store", "sd t0, 0(t0)", "at 0 ip 000000000001000c .* error 6"],
    ["a U-mode load of kernel memory", "ld t1, -8(t1)", "at ffffaf7ffffffff8 ip 000000000001000c .* error 4"],
  ])("%s is a segfault with Linux's kernel line and status 139", (_what, access, line) => {
    const r = runProg(`
      _start:
        li t0, 0
        li t1, 0xffffaf8000000000
        ${access}
    `);
    expect(r.t.exitCode).toBe(139);
    expect(r.k.printk.dmesg()).toMatch(new RegExp(`prog\\[1\\]: segfault ${line} in prog\\[10000\\+1000\\]`));
  });

  it("mmap gives demand-zero memory; munmap makes it fault", () => {
    const r = runProg(`
      _start:
        ${mmapAsm(8192)}
        mv s0, a0
        li t0, 42
        li t2, 4096
        add t3, s0, t2
        sd t0, 0(t3)
        ld t1, 0(t3)
        bne t0, t1, 1f
        mv a0, s0
        li a1, 8192
        li a7, 215
        ecall
        ld t1, 0(s0)
      1:
        li a0, 1
        li a7, 94
        ecall
    `);
    expect(r.t.exitCode).toBe(139);
    expect(r.trace).toContainEqual(expect.stringMatching(/^munmap\(.*\) = 0$/));
  });

  it("argv, envp and auxv are on the initial stack", () => {
    const r = runProg(
      `
      _start:
        ld a0, 0(sp)     # argc
        li a7, 94
        ecall
    `,
      { argv: ["prog", "a", "b"] },
    );
    expect(r.t.exitCode).toBe(3);
  });

  it("a chunk of the interpreter that ends in U-mode without a trap (fence.i, fcsr writes) goes on", () => {
    // fence.i and a write of fcsr end the interpreter's chunk (its loop caches what they
    // change); the task must go on in U-mode, not return through the kernel (an sret there is
    // an illegal instruction, which escaped as an internal error: exit 70).
    const { t, trace } = runProg(`
      _start:
        li s0, 3
      1: fence.i
        csrw fcsr, s0
        addi s0, s0, -1
        bnez s0, 1b
        frcsr a0
        addi a0, a0, 40
        li a7, 94
        ecall`);
    expect(t.exitCode).toBe(41); // fcsr: the last value written, 1
    expect(trace).toEqual(["exit_group(41) = ?", "+++ exited with 41 +++"]);
  });

  it("an illegal instruction kills the task with SIGILL, naming the instruction", () => {
    const r = runProg(`
      _start:
        nop
        csrr a0, mstatus        # M-mode CSR from U-mode: illegal
    `);
    expect(r.t.exitCode).toBe(128 + 4);
    expect(r.k.printk.dmesg()).toMatch(
      /prog\[1\]: unhandled signal 4 code 0x1 \(ILL_ILLOPC\) at 0x0000000000010004: illegal instruction 0x30002573 \(csrrs a0, mstatus, zero\)/,
    );
  });

  it("an unknown system call returns -ENOSYS and is reported once", () => {
    const r = runProg(`
      _start:
        li a7, 4000
        ecall
        li a7, 4000
        ecall
        li a7, 94
        ecall
    `);
    expect(r.t.exitCode).toBe(256 - 38);
    expect(r.k.printk.dmesg().match(/unknown system call 4000/g)).toHaveLength(1);
  });

  it("prints an unknown number exactly, as the signed long Linux reads from a7", () => {
    const r = runProg(`
      _start:
        li a7, 0x7fffffffffffffff
        ecall
        li a7, -2
        ecall
        li a7, 94
        ecall
    `);
    expect(r.t.exitCode).toBe(256 - 38);
    expect(r.k.printk.dmesg()).toContain("unknown system call 9223372036854775807: returning -ENOSYS");
    expect(r.k.printk.dmesg()).toContain("unknown system call -2: returning -ENOSYS");
  });

  it("reports at most UNKNOWN_SYSCALLS_SHOWN distinct unknown numbers, then says it stops", () => {
    const r = runProg(`
      _start:
        li s0, 5000
        li s1, 5200
      1: mv a7, s0
        ecall
        addi s0, s0, 1
        blt s0, s1, 1b
        li a0, 0
        li a7, 94
        ecall
    `);
    expect(r.t.exitCode).toBe(0);
    expect(r.k.printk.dmesg().match(/unknown system call \d+/g)).toHaveLength(UNKNOWN_SYSCALLS_SHOWN);
    expect(r.k.printk.dmesg()).toContain("further unknown system calls not reported");
    expect(r.t.unknownSyscalls.size).toBe(UNKNOWN_SYSCALLS_SHOWN);
  });
});

/** A program that mmaps `size` bytes (2 MiB aligned by over-allocating), optionally madvises
 *  MADV_HUGEPAGE, touches one byte per page, then exits 0. */
function touchProgram(size: number, madvise: boolean, extra = ""): string {
  return `
    _start:
      ${mmapAsm(size + (2 << 20))}
      li t0, ${(2 << 20) - 1}
      add a0, a0, t0
      not t0, t0
      and s0, a0, t0          # 2 MiB aligned start
      ${madvise ? `mv a0, s0\n      li a1, ${size}\n      li a2, 14\n      li a7, 233\n      ecall` : ""}
      li t1, 0
      li t2, ${size}
      li t3, 4096
    1:
      add t4, s0, t1
      sb t3, 0(t4)
      add t1, t1, t3
      blt t1, t2, 1b
      ${extra}
      li a0, 0
      li a7, 94
      ecall
  `;
}

/** Spawn assembly program `src` as /t on booted kernel `k`, run until every task exits: its
 *  exit code. */
function runToExit(k: ReturnType<typeof boot>, src: string): number | null {
  const t = k.sched.spawn({ elf: program(src), path: "/t", argv: ["t"], envp: [], io: io() });
  k.sched.run();
  return t.exitCode;
}

describe("transparent huge pages", () => {
  for (const [mode, madvise, huge] of [
    ["never", true, false],
    ["madvise", false, false],
    ["madvise", true, true],
    ["always", false, true],
  ] as const) {
    it(`transparent_hugepage=${mode}${madvise ? " with MADV_HUGEPAGE" : ""}: ${huge ? "2 MiB leaves" : "4 KiB pages"}`, () => {
      const r = runProg(touchProgram(8 << 20, madvise), { cmdline: `transparent_hugepage=${mode}` });
      expect(r.t.exitCode).toBe(0);
      expect(r.k.vmstat.get("thp_fault_alloc")).toBe(huge ? 4 : 0);
    });
  }

  it("a partial munmap splits the 2 MiB leaf", () => {
    const extra = `
      li t0, 4096
      add a0, s0, t0
      li a1, 4096
      li a7, 215
      ecall
      ld t5, 0(s0)            # the rest of the huge page is still mapped`;
    const r = runProg(touchProgram(2 << 20, true, extra), { cmdline: "transparent_hugepage=madvise" });
    expect(r.t.exitCode).toBe(0);
    expect(r.k.vmstat.get("thp_fault_alloc")).toBe(1);
    expect(r.k.vmstat.get("thp_split_pmd")).toBe(1);
  });

  it("a range whose leaf table is empty (MADV_DONTNEED) faults 4 KiB pages, not a 2 MiB leaf over the table", () => {
    // Linux takes a huge page only where the PMD entry is none (do_huge_pmd_anonymous_page);
    // a 2 MiB leaf written over the table's pointer would leak the table
    const extra = `
      mv a0, s0
      li a1, ${2 << 20}
      li a2, 4                # MADV_DONTNEED: the pages go, the leaf table stays
      li a7, 233
      ecall
      mv a0, s0
      li a1, ${2 << 20}
      li a2, 14               # MADV_HUGEPAGE
      li a7, 233
      ecall
      sb t3, 0(s0)`;
    const k = boot("transparent_hugepage=madvise", { mem: 128 << 20 });
    const before = { free: k.pages.nr_free_pages(), tables: k.pgd.nrTablePages };
    expect(runToExit(k, touchProgram(2 << 20, false, extra))).toBe(0);
    expect(k.vmstat.get("thp_fault_alloc")).toBe(0);
    expect({ free: k.pages.nr_free_pages(), tables: k.pgd.nrTablePages }).toEqual(before);
  });

  it("every page comes back after exit", () => {
    const k = boot("transparent_hugepage=always", { mem: 128 << 20 });
    const before = k.pages.nr_free_pages() + k.pgd.nrTablePages;
    expect(runToExit(k, touchProgram(4 << 20, false))).toBe(0);
    expect(k.pages.nr_free_pages() + k.pgd.nrTablePages).toBe(before);
  });
});

describe("scheduling and isolation", () => {
  it("two processes interleave on the timer tick and cannot see each other's memory", () => {
    const k = boot("", { mem: 128 << 20 });
    // Each task writes its marker to the same VA, spins past several ticks, then checks it.
    const src = (marker: number) => `
      _start:
        li s0, 0x20000000
        ${mmapAsm(4096, { addr: 0x20000000, flags: 0x32 })} # MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
        li t0, ${marker}
        sd t0, 0(s0)
        li t1, 6000000
      1: addi t1, t1, -1
        bnez t1, 1b
        ld t2, 0(s0)
        sub a0, t2, t0          # 0 if untouched by the other task
        li a7, 94
        ecall`;
    const a = k.sched.spawn({ elf: program(src(111)), path: "/a", argv: ["a"], envp: [], io: io() });
    const b = k.sched.spawn({ elf: program(src(222)), path: "/b", argv: ["b"], envp: [], io: io() });
    k.sched.run();
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(k.sched.ticks).toBeGreaterThanOrEqual(4);
    expect(a.mm.asid).not.toBe(b.mm.asid);
  });

  it("F/D registers and fcsr are saved and restored across context switches", () => {
    const k = boot("", { mem: 128 << 20 });
    const src = (v: number, rm: number) => `
      _start:
        li t0, ${v}
        fcvt.d.w fa0, t0
        li t0, ${rm}
        fsrm t0
        li t1, 6000000
      1: addi t1, t1, -1
        bnez t1, 1b
        fcvt.w.d a0, fa0
        frrm t2
        slli t2, t2, 4
        add a0, a0, t2          # value + 16 * rounding mode
        li a7, 94
        ecall`;
    const a = k.sched.spawn({ elf: program(src(3, 1)), path: "/a", argv: ["a"], envp: [], io: io() });
    const b = k.sched.spawn({ elf: program(src(5, 2)), path: "/b", argv: ["b"], envp: [], io: io() });
    k.sched.run();
    expect(k.sched.ticks).toBeGreaterThanOrEqual(2);
    expect(a.exitCode).toBe(3 + 16);
    expect(b.exitCode).toBe(5 + 32);
  });

  it("brk grows the heap; mremap moves a mapping with its contents", () => {
    const r = runProg(`
      _start:
        li a0, 0
        li a7, 214
        ecall                   # current break
        mv s0, a0
        li t0, 8192
        add a0, s0, t0
        li a7, 214
        ecall                   # grow by 8 KiB
        li t0, 77
        li t3, 4096
        add s2, s0, t3
        sd t0, 0(s2)
        ${mmapAsm(4096)}
        mv s1, a0
        li t0, 99
        sd t0, 0(s1)
        mv a0, s1
        li a1, 4096
        li a2, 65536
        li a3, 1                # MREMAP_MAYMOVE
        li a7, 216
        ecall
        ld t1, 0(a0)
        ld t2, 0(s2)
        add a0, t1, t2          # 99 + 77
        li a7, 94
        ecall
    `);
    expect(r.t.exitCode).toBe(176);
  });
});
