// fork and wait (fork.ts, exit.ts, mm.ts dup_mmap): a child's address space is the parent's,
// copy-on-write — both sides' PTEs write-protected, the pages shared with one more reference,
// the parent's TLB entries flushed; the first write copies (or reuses the last reference).
// Children exit into zombies that wait4/waitid reap with Linux's status encoding; orphans go to
// PID 1; process groups and sessions follow setpgid/setsid's rules; nothing leaks.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import type { Kernel, TaskIo } from "../../src/kernel/index.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/kernel/mm.js";
import { UserAccess } from "../../src/kernel/uaccess.js";
import { mmapAsm } from "../helpers/programs.js";
import { boot, spawnAsm, tlbHolds, walkFlags } from "./helpers.js";

const PAGE = 4096n;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const RW = PROT_READ | PROT_WRITE;
const IDLE = assemble("_start: j _start", { base: 0x10000n }).toElf();
const quiet: TaskIo = { stdin: () => new Uint8Array(0), write: () => {}, isatty: () => false };

/** A parent task whose mm the test drives, and a forked copy of that mm. */
function forked(harts = 2) {
  const k = boot("", { mem: 64 << 20, harts });
  const t = k.sched.spawn({ elf: IDLE, path: "/t", argv: ["t"], envp: [], io: quiet });
  for (const h of k.machine.harts) k.sched.switch_mm(h, t);
  const a = t.mm.do_mmap(0n, 2n * PAGE, RW, ANON);
  const child = k.sched.mm_alloc()!;
  const cu = new UserAccess(k, child, () => "never");
  const on = <T>(cpu: number, fn: () => T): T => k.onCpu(cpu, fn);
  const inChild = <T>(fn: () => T): T =>
    on(0, () => {
      k.sched.use_mm(k.hart(), child);
      try {
        return fn();
      } finally {
        k.sched.switch_mm(k.hart(), t);
      }
    });
  const pfn = (mm: typeof child, va: bigint): number => {
    const l = mm.pgd.lookup(va)!;
    return (l.lo >>> 10) | ((l.hi & 0x3fffff) << 22);
  };
  return { k, t, a, child, cu, on, inChild, pfn };
}

describe("fork: copy-on-write (dup_mmap, do_wp_page)", () => {
  it("write-protects a private page on both sides, shares it and flushes the parent's entries on every hart", () => {
    const f = forked();
    f.on(0, () => f.t.uaccess.put_u64(f.a, 42n));
    f.on(1, () => f.t.uaccess.get_u64(f.a));
    expect([tlbHolds(f.k, 0, f.a, f.t.mm.asid), tlbHolds(f.k, 1, f.a, f.t.mm.asid)]).toEqual([true, true]);
    expect(f.on(0, () => f.t.mm.dup_mmap(f.child))).toBe(true);
    expect(walkFlags(f.k, f.t.mm.pgd.root, f.a)).toBe("VR--U-AD");
    expect(walkFlags(f.k, f.child.pgd.root, f.a)).toBe("VR--U-AD");
    expect(f.pfn(f.child, f.a)).toBe(f.pfn(f.t.mm, f.a));
    expect(f.k.pages.page_count(f.pfn(f.t.mm, f.a))).toBe(2);
    // A stale writable entry would let the parent write the shared page: it must be gone.
    expect([tlbHolds(f.k, 0, f.a, f.t.mm.asid), tlbHolds(f.k, 1, f.a, f.t.mm.asid)]).toEqual([false, false]);
    expect(f.child.vmas.map((v) => [v.vm_start, v.vm_end])).toEqual(
      f.t.mm.vmas.map((v) => [v.vm_start, v.vm_end]),
    );
  });

  it("the first write copies the page for the writer; the last reference is then reused, not copied", () => {
    const f = forked();
    f.on(0, () => f.t.uaccess.put_u64(f.a, 42n));
    f.on(0, () => f.t.mm.dup_mmap(f.child));
    const shared = f.pfn(f.t.mm, f.a);
    expect(f.inChild(() => f.cu.put_u64(f.a, 7n))).toBe(true);
    expect(f.pfn(f.child, f.a)).not.toBe(shared);
    expect(walkFlags(f.k, f.child.pgd.root, f.a)).toBe("VRW-U-AD");
    expect(f.k.pages.page_count(shared)).toBe(1);
    expect(f.on(1, () => f.t.uaccess.get_u64(f.a))).toBe(42n);
    expect(f.inChild(() => f.cu.get_u64(f.a))).toBe(7n);
    const free = f.k.pages.nr_free_pages();
    expect(f.on(1, () => f.t.uaccess.put_u64(f.a, 43n))).toBe(true);
    expect(f.pfn(f.t.mm, f.a)).toBe(shared); // reused: no page allocated
    expect(f.k.pages.nr_free_pages()).toBe(free);
    expect(walkFlags(f.k, f.t.mm.pgd.root, f.a)).toBe("VRW-U-AD");
  });

  it("mprotect back to read-write keeps a shared page read-only until its write fault copies it", () => {
    const f = forked();
    f.on(0, () => f.t.uaccess.put_u64(f.a, 42n));
    f.on(0, () => f.t.mm.dup_mmap(f.child));
    expect(f.on(0, () => f.t.mm.do_mprotect(f.a, PAGE, PROT_READ))).toBe(0n);
    expect(f.on(0, () => f.t.mm.do_mprotect(f.a, PAGE, RW))).toBe(0n);
    expect(walkFlags(f.k, f.t.mm.pgd.root, f.a)).toBe("VR--U-AD");
    expect(f.on(0, () => f.t.uaccess.put_u64(f.a, 1n))).toBe(true);
    expect(f.inChild(() => f.cu.get_u64(f.a))).toBe(42n);
  });

  it("copies sparse pages across leaf tables and VMA edges inside a table (copy_pte_range), nothing more", () => {
    const f = forked();
    const PMD = 2n << 20n;
    const m = f.t.mm.do_mmap(0n, 4n * PMD, RW, ANON);
    const a = m + ((PMD - (m % PMD)) % PMD) + PMD; // a 2 MiB boundary with mapped room either side
    const touched = [a - 2n * PAGE, a - PAGE, a + 3n * PAGE, a + PMD - PAGE, a + PMD, a + PMD + 9n * PAGE];
    for (const va of touched) expect(f.on(0, () => f.t.uaccess.put_u64(va, va))).toBe(true);
    // a read-only VMA from the middle of a's table to the middle of the next: edges inside tables
    expect(f.on(0, () => f.t.mm.do_mprotect(a + 2n * PAGE, PMD + 4n * PAGE, PROT_READ))).toBe(0n);
    expect(f.on(0, () => f.t.mm.dup_mmap(f.child))).toBe(true);
    for (const va of touched) {
      expect(f.pfn(f.child, va)).toBe(f.pfn(f.t.mm, va));
      expect(f.k.pages.page_count(f.pfn(f.t.mm, va))).toBe(2);
      expect(walkFlags(f.k, f.child.pgd.root, va)).toBe("VR--U-AD");
      expect(walkFlags(f.k, f.t.mm.pgd.root, va)).toBe("VR--U-AD");
    }
    expect(f.child.rss).toBe(f.t.mm.rss);
    for (const va of [a, a + 2n * PAGE, a + PMD + 8n * PAGE, a + 2n * PMD])
      expect(f.child.pgd.lookup(va)).toBeNull();
    expect(f.child.pgd.nrTablePages).toBe(f.t.mm.pgd.nrTablePages); // a table where the parent has pages
    expect(f.inChild(() => touched.map((va) => f.cu.get_u64(va)))).toEqual(touched);
  });

  it("an untouched page stays unmapped in both: the child faults in its own zero page", () => {
    const f = forked();
    f.on(0, () => f.t.mm.dup_mmap(f.child));
    expect(f.child.pgd.lookup(f.a + PAGE)).toBeNull();
    expect(f.inChild(() => f.cu.get_u64(f.a + PAGE))).toBe(0n);
  });
});

// ---- whole programs ----

const SYS = { exit: 93, exit_group: 94, waitid: 95, clone: 220, wait4: 260, getpid: 172, getppid: 173 };

function run(src: string, opts: { harts?: number; max?: number } = {}) {
  const k: Kernel = boot("", { mem: 64 << 20, harts: opts.harts ?? 1 });
  const { t, out, trace } = spawnAsm(k, src);
  const outcome = k.sched.run(opts.max ?? 20_000_000);
  return { k, t, outcome, trace, out: out() };
}

/** fork(): clone(SIGCHLD, 0, 0, 0, 0); the child's pid (or 0 in the child) in a0. */
const FORK = `li a0, 17\n li a1, 0\n li a2, 0\n li a3, 0\n li a4, 0\n li a7, ${SYS.clone}\n ecall`;
/** wait4(-1, &status or NULL, 0, NULL): the reaped pid (or -errno) in a0. */
const WAIT_ANY = (status: "status" | "zero") =>
  `li a0, -1\n ${status === "zero" ? "li a1, 0" : "la a1, status"}\n li a2, 0\n li a3, 0\n li a7, ${SYS.wait4}\n ecall`;
const EXIT = (reg: string) => `mv a0, ${reg}\n li a7, ${SYS.exit_group}\n ecall`;
/** fork(); the child exits with `code`, the parent goes on with the child's pid in s0. */
const FORK_CHILD_EXITS = (code: number) =>
  `${FORK}\n bnez a0, 1f\n li a0, ${code}\n ${EXIT("a0")}\n1: mv s0, a0`;

describe("fork, exit and wait4", () => {
  it("wait4 reaps the child with its exit status encoded as (code << 8) and returns its pid", () => {
    const r = run(`
      _start:
        ${FORK_CHILD_EXITS(7)}
        ${WAIT_ANY("status")}
        sub s1, a0, s0          # 0: the pid wait4 returned is the child's
        la t0, status
        lw s2, 0(t0)
        li t1, 0x700
        sub s2, s2, t1          # 0: exited 7
        or a0, s1, s2
        ${EXIT("a0")}
      .data
      status: .word -1
    `);
    expect(r.t.exitCode).toBe(0);
    expect(r.trace).toContain("[pid 2] exit_group(7) = ?");
    expect(r.trace).toContainEqual(expect.stringMatching(/^wait4\(-1, 0x[0-9a-f]+, 0x0, NULL\) = 2$/));
    expect(r.k.sched.tasks.length).toBe(0); // the child reaped; PID 1, with no parent, released
  });

  it("a child killed by a signal reports it in the low bits; a child that exits first is a zombie until reaped", () => {
    const r = run(
      `
      _start:
        ${FORK}
        bnez a0, parent
        sd zero, 0(zero)        # SIGSEGV
      parent:
        mv s0, a0
        li t0, 10000000         # past a tick: the child dies first
      1: addi t0, t0, -1
        bnez t0, 1b
        ${WAIT_ANY("status")}
        la t0, status
        lw a0, 0(t0)
        ${EXIT("a0")}
      .data
      status: .word -1
    `,
      { max: 5_000_000 },
    );
    expect(r.outcome).toBe("limit");
    const child = r.k.sched.tasks[1]!;
    expect([child.pid, child.exit_state, r.t.running]).toEqual([2, "zombie", true]);
    expect(child.exitCode).toBe(139);
    expect(r.k.sched.run(20_000_000)).toBe("done");
    expect(r.t.exitCode).toBe(11); // status 11: WIFSIGNALED, WTERMSIG 11
    expect(child.exit_state).toBe("dead");
  });

  it("WNOHANG returns 0 while the child runs; wait4 with no child is ECHILD; getppid names the parent", () => {
    const r = run(`
      _start:
        ${FORK}
        bnez a0, parent
        li a7, ${SYS.getppid}
        ecall
        mv s0, a0
        li t0, 100000
      1: addi t0, t0, -1
        bnez t0, 1b
        ${EXIT("s0")}
      parent:
        mv s0, a0
        li a0, -1
        li a1, 0
        li a2, 1                # WNOHANG
        li a3, 0
        li a7, ${SYS.wait4}
        ecall
        mv s1, a0               # 0
        ${WAIT_ANY("status")}
        la t0, status
        lw s2, 0(t0)
        srli s2, s2, 8          # the child's getppid()
        ${WAIT_ANY("zero")}                   # -ECHILD (-10)
        addi s3, a0, 10
        li a7, ${SYS.getppid}
        ecall                   # PID 1's parent: 0
        or a0, a0, s1
        or a0, a0, s3
        addi s2, s2, -1         # the child's parent was PID 1
        or a0, a0, s2
        ${EXIT("a0")}
      .data
      status: .word -1
    `);
    expect(r.t.pid).toBe(1);
    expect(r.t.exitCode).toBe(0);
  });

  it("an orphan is given to PID 1, which reaps it", () => {
    // 1 forks 2; 2 forks 3 and exits; 3 waits a little, exits with getppid(); 1 reaps 2 then 3.
    const r = run(`
      _start:
        ${FORK}
        bnez a0, init
        ${FORK}
        bnez a0, middle
        li t0, 200000
      1: addi t0, t0, -1
        bnez t0, 1b
        li a7, ${SYS.getppid}
        ecall
        ${EXIT("a0")}
      middle:
        li a0, 0
        ${EXIT("a0")}
      init:
        ${WAIT_ANY("zero")}
        mv s0, a0               # 2
        ${WAIT_ANY("status")}
        mv s1, a0               # 3
        la t0, status
        lw s2, 0(t0)
        srli s2, s2, 8          # 3's getppid() after the reparenting: 1
        slli s0, s0, 16
        slli s1, s1, 8
        or a0, s0, s1
        or a0, a0, s2
        li t0, 0x020301
        sub a0, a0, t0
        ${EXIT("a0")}
      .data
      status: .word -1
    `);
    expect(r.t.exitCode).toBe(0);
    expect(r.k.sched.tasks.length).toBe(0);
  });

  it("waitid(P_PID) fills the siginfo: SIGCHLD, CLD_EXITED, the pid and the status", () => {
    const r = run(`
      _start:
        ${FORK_CHILD_EXITS(5)}
        li a0, 1                # P_PID
        mv a1, s0
        la a2, info
        li a3, 4                # WEXITED
        li a4, 0
        li a7, ${SYS.waitid}
        ecall
        bnez a0, bad
        la t0, info
        lw t1, 0(t0)            # si_signo
        addi t1, t1, -17
        lw t2, 8(t0)            # si_code
        addi t2, t2, -1
        lw t3, 16(t0)           # si_pid
        sub t3, t3, s0
        lw t4, 24(t0)           # si_status
        addi t4, t4, -5
        or a0, t1, t2
        or a0, a0, t3
        or a0, a0, t4
        ${EXIT("a0")}
      bad:
        li a0, 99
        ${EXIT("a0")}
      .data
      info: .fill 128, 1, 0xff
    `);
    expect(r.t.exitCode).toBe(0);
  });

  it("returns every page and page table after fork, copy-on-write and both exits", () => {
    const k = boot("", { mem: 64 << 20 });
    const before = k.pages.nr_free_pages() + k.pgd.nrTablePages;
    const t = k.sched.spawn({
      elf: assemble(
        `
        _start:
          ${mmapAsm(65536)}
          mv s0, a0
          li t0, 16
        1: sd t0, 0(s0)         # touch 16 pages
          addi s0, s0, 1024
          addi s0, s0, 1024
          addi s0, s0, 1024
          addi s0, s0, 1024
          addi t0, t0, -1
          bnez t0, 1b
          ${FORK}
          li t0, 8
          sub s0, s0, t0
        2: sd a0, -8(s0)        # both write 8 pages: copies
          addi s0, s0, -1024
          addi s0, s0, -1024
          addi s0, s0, -1024
          addi s0, s0, -1024
          addi t0, t0, -1
          bnez t0, 2b
          bnez a0, parent
          ${EXIT("zero")}
        parent:
          ${WAIT_ANY("zero")}
          ${EXIT("zero")}
        `,
        { base: 0x10000n },
      ).toElf(),
      path: "/p",
      argv: ["p"],
      envp: [],
      io: quiet,
    });
    expect(k.sched.run(10_000_000)).toBe("done");
    expect(t.exitCode).toBe(0);
    expect(k.pages.nr_free_pages() + k.pgd.nrTablePages).toBe(before);
  });

  it("process groups and sessions: setpgid, getpgid, setsid, getsid as a shell uses them", () => {
    // Each failed check sets one bit of the exit status.
    const call = (nr: number, a0: string, a1 = "zero") =>
      `mv a0, ${a0}\n mv a1, ${a1}\n li a7, ${nr}\n ecall`;
    const check = (bit: number, want: string) =>
      `sub t0, a0, ${want}\n snez t0, t0\n slli t0, t0, ${bit}\n or s9, s9, t0`;
    const r = run(`
      _start:
        li s9, 0
        ${call(157, "zero")}              # setsid in PID 1, a group leader: EPERM
        li t1, -1
        ${check(0, "t1")}
        ${FORK}
        bnez a0, parent
        li s1, 1
        ${call(154, "zero", "s1")}        # the child: back into group 1 (its parent moved it)
        ${check(3, "zero")}
        ${call(157, "zero")}              # setsid() = its pid (2): it leads no group now
        li t1, 2
        ${check(0, "t1")}
        ${call(156, "zero")}              # getsid(0) = 2
        li t1, 2
        ${check(1, "t1")}
        ${call(155, "zero")}              # getpgid(0) = 2
        li t1, 2
        ${check(2, "t1")}
        ${EXIT("s9")}
      parent:
        mv s0, a0
        ${call(155, "s0")}                # getpgid(child) before it runs: 1, inherited
        li t1, 1
        ${check(1, "t1")}
        ${call(154, "s0", "s0")}          # setpgid(child, child) = 0
        ${check(2, "zero")}
        ${call(155, "s0")}
        ${check(3, "s0")}
        li s1, 999
        ${call(154, "s0", "s1")}          # no group 999 in the session: EPERM
        li t1, -1
        ${check(4, "t1")}
        li s1, 12345
        ${call(154, "s1")}                # no such process: ESRCH
        li t1, -3
        ${check(5, "t1")}
        ${WAIT_ANY("status")}
        la t0, status
        lw t1, 0(t0)
        srli t1, t1, 8
        slli t1, t1, 6
        or s9, s9, t1
        ${EXIT("s9")}
      .data
      status: .word -1
    `);
    expect(r.t.exitCode).toBe(0);
  });

  describe("a dead process gives everything back, however it died", () => {
    // The child touches memory, opens a pipe, and dies one way; PID 1 reaps it and exits.
    // Pages, page tables, tasks and futex waiters must all be back where they were.
    const ways: [string, string, string][] = [
      ["exit_group", "li a0, 3\n li a7, 94\n ecall", ""],
      ["SIGSEGV", "sd zero, 0(zero)", ""],
      ["SIGKILL from its parent", "7: j 7b", "mv a0, s0\n li a1, 9\n li a7, 129\n ecall"],
      [
        "exit_group while a thread sleeps on a futex",
        `${mmapAsm(65536)}\n li t0, 65536\n add a1, a0, t0\n li a0, 0x10f00\n li a2, 0\n li a3, 0\n li a4, 0\n li a7, 220\n ecall\n bnez a0, 8f\n la a0, word\n li a1, 0\n li a2, 0\n li a3, 0\n li a7, 98\n ecall\n8: li t0, 200000\n9: addi t0, t0, -1\n bnez t0, 9b\n li a0, 0\n li a7, 94\n ecall`,
        "",
      ],
    ];
    for (const [name, death, parent] of ways) {
      it(name, () => {
        const k = boot("", { mem: 64 << 20 });
        const before = k.pages.nr_free_pages() + k.pgd.nrTablePages;
        const src = `
          _start:
            ${FORK}
            bnez a0, parent
            ${mmapAsm(65536)}
            li t0, 16
          1: sd t0, 0(a0)
            addi a0, a0, 2047
            addi a0, a0, 2047
            addi a0, a0, 2
            addi t0, t0, -1
            bnez t0, 1b
            la a0, fds
            li a1, 0
            li a7, 59               # pipe2
            ecall
            ${death}
          parent:
            mv s0, a0
            ${parent}
            ${WAIT_ANY("zero")}
            ${EXIT("zero")}
          .data
          .balign 8
          word: .dword 0
          fds: .dword 0`;
        const { t } = spawnAsm(k, src);
        expect(k.sched.run(50_000_000)).toBe("done");
        expect(t.exitCode).toBe(0);
        expect(k.sched.tasks.length).toBe(0);
        expect(k.sched.futexes.waiters).toBe(0);
        expect(k.pages.nr_free_pages() + k.pgd.nrTablePages).toBe(before);
      });
    }
  });
});

describe("clone in --strace", () => {
  it("names the flags and the exit signal as strace does", async () => {
    const { clone_flags } = await import("../../src/kernel/syscalls/process.js");
    const fmt = clone_flags as (v: bigint) => string;
    expect(fmt(17n)).toBe("SIGCHLD"); // fork()
    expect(fmt(0x4111n)).toBe("CLONE_VM|CLONE_VFORK|SIGCHLD"); // vfork()
    // glibc's pthread_create
    expect(fmt(0x3d0f00n)).toBe(
      "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID",
    );
    expect(fmt(0n)).toBe("0");
    expect(fmt(0x2000000n | 17n)).toBe("0x2000000|SIGCHLD"); // a bit without a name in this table: hex, as strace does for unknown bits
  });
});
