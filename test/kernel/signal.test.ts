// Signals (src/kernel/signal.ts, syscalls/signal.ts, the sleeping calls of syscalls/time.ts):
// handlers run with the Linux riscv64 rt_sigframe and come back through the vDSO trampoline
// and rt_sigreturn with every register as it was; masks, SA_* flags, the alternate stack,
// default actions, restarts, sleeping in machine time, ITIMER_REAL; and the argument checks of
// each call. Programs are small assembly guests; each ends spinning (or exits) so the test can
// read what it stored.

import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import type { Kernel, task_struct } from "../../src/kernel/index.js";
import { RT_SIGFRAME_SIZE, vdso_base } from "../../src/kernel/signal.js";
import { E, proc } from "./fs/harness.js";
import { expected, loadCases, runCase } from "./guest-cases.js";
import { boot } from "./helpers.js";

interface Run {
  k: Kernel;
  t: task_struct;
  out: string;
  trace: string[];
}

/** Run `src` (one task; optionally a second, `other`) until all exit or `maxInsns`. */
function run(src: string, opts: { maxInsns?: number; other?: string } = {}): Run & { o?: task_struct } {
  const k = boot("", { mem: 64 << 20 });
  let out = "";
  const trace: string[] = [];
  const spawn = (s: string, name: string): task_struct =>
    k.sched.spawn({
      elf: assemble(s, { base: 0x10000n }).toElf(),
      path: `/bin/${name}`,
      argv: [name],
      envp: [],
      io: {
        stdin: () => new Uint8Array(0),
        write: (_fd, d) => {
          out += new TextDecoder().decode(d);
        },
        isatty: () => false,
      },
      strace: (l) => trace.push(`${name}: ${l}`),
    });
  const t = spawn(src, "prog");
  const o = opts.other ? spawn(opts.other, "other") : undefined;
  k.sched.run(opts.maxInsns ?? 5_000_000);
  return { k, t, out, trace, ...(o ? { o } : {}) };
}

/** The program died of signal `sig`: exit status 128 + sig, strace's last line says so, and the
 *  kernel log matches `dmesg` when given. */
function expectKilledBy({ k, t, trace }: Run, sig: number, name: string, dmesg?: RegExp): void {
  expect([t.exitCode, t.signal]).toEqual([128 + sig, sig]);
  expect(trace.at(-1)).toBe(`prog: +++ killed by ${name} +++`);
  if (dmesg) expect(k.printk.dmesg()).toMatch(dmesg);
}

/** Register x`r` of a task off the hart. */
function reg(t: task_struct, r: number): bigint {
  return BigInt.asUintN(64, (BigInt(t.regs[2 * r + 1]!) << 32n) | BigInt(t.regs[2 * r]! >>> 0));
}

/** The 64-bit words at `va` in the task's memory. */
function words(t: task_struct, va: bigint, n: number): bigint[] {
  const b = t.uaccess.copy_from_user(va, n * 8);
  if (!b) throw new Error("unreadable");
  const v = new DataView(b.buffer, b.byteOffset);
  return Array.from({ length: n }, (_, i) => v.getBigInt64(i * 8, true));
}

/** sigaction(sig, {handler, flags, mask}) in assembly (act in `act`, clobbers t0-t2, a0-a3, a7). */
const sigaction = (sig: number, handler: string, flags: string, mask = "0"): string => `
    la t1, act
    la t0, ${handler}
    sd t0, 0(t1)
    li t2, ${flags}
    sd t2, 8(t1)
    li t2, ${mask}
    sd t2, 16(t1)
    li a0, ${sig}
    mv a1, t1
    li a2, 0
    li a3, 8
    li a7, 134
    ecall`;

/** tgkill(getpid(), getpid(), sig). */
/** rt_sigprocmask(how, set, oldset, 8), `setA1` and `oldA2` being the instructions that load a1, a2. */
const sigprocmask = (how: number, setA1: string, oldA2: string): string => `
    li a0, ${how}
    ${setA1}
    ${oldA2}
    li a3, 8
    li a7, 135
    ecall`;

const raise = (sig: number): string => `
    li a7, 172
    ecall
    mv a1, a0
    li a2, ${sig}
    li a7, 131
    ecall`;

/** A program that sleeps `ns` of machine time, then kill(1, sig), and exits with kill's result. */
const killPid1After = (ns: number, sig: number): string => `
_start:
    la a0, ts
    li a1, 0
    li a7, 101               # nanosleep
    ecall
    li a0, 1
    li a1, ${sig}
    li a7, 129               # kill
    ecall
    li a7, 94
    ecall
  .data
  .align 3
ts: .dword 0, ${ns}
`;

/** Stops itself with SIGSTOP; exits 42 once continued. */
const STOP_THEN_EXIT_42 = `
_start:
    ${raise(19)}
    li a0, 42
    li a7, 94
    ecall
`;

/** Add one to the dword at hout, leaving the new count in t1 (a handler's tally). */
const BUMP_HOUT = `
    la t0, hout
    ld t1, 0(t0)
    addi t1, t1, 1
    sd t1, 0(t0)`;

const SPIN_END = `
    la s11, hout
9:  j 9b`;

describe("a handler's frame and rt_sigreturn", () => {
  const src = `
  .text
_start:
    ${sigaction(10, "handler", "4")}
    li s1, 0x1111
    li s2, 0x2222
    li t3, 0x3333
    mv s3, sp
    ${raise(10)}
    la t0, after
    sd a0, 0(t0)
    sd s1, 8(t0)
    sd s2, 16(t0)
    sd t3, 24(t0)
    sub t1, s3, sp
    sd t1, 32(t0)
    ${SPIN_END}
handler:                      # a0 = signo, a1 = &info, a2 = &uc
    la t0, hout
    sd a0, 0(t0)
    sd a1, 8(t0)
    sd a2, 16(t0)
    sd sp, 24(t0)
    sd ra, 32(t0)
    lw t1, 0(a1)
    sd t1, 40(t0)             # si_signo
    lw t1, 8(a1)
    sd t1, 48(t0)             # si_code
    ld t1, ${176 + 9 * 8}(a2) # uc_mcontext.sc_regs.s1
    sd t1, 56(t0)
    ld t1, 40(a2)             # uc_sigmask
    sd t1, 64(t0)
    ld t1, 176(a2)            # sc_regs.pc
    sd t1, 80(t0)
    li t1, 0x5555
    sd t1, ${176 + 9 * 8}(a2) # the handler changes the saved s1
    ${sigprocmask(0, "li a1, 0", "addi a2, t0, 72")} # read the mask while the handler runs
    ret
  .data
  .align 3
act: .space 24
hout: .space 96
after: .space 40
`;

  it("runs the handler with signo, &info, &uc on the stack, ra at the vDSO trampoline", () => {
    const { t, trace } = run(src);
    expect(t.running).toBe(true); // spinning at the end
    const hout = reg(t, 27);
    const [sig, info, uc, sp, ra, signo, code, s1, uc_mask, blockedIn, pc] = words(t, hout, 11);
    expect([sig, signo, code]).toEqual([10n, 10n, -6n]); // SIGUSR1, SI_TKILL
    expect(info).toBe(sp); // the frame starts with the siginfo, at the handler's sp
    expect(uc).toBe(sp! + 128n);
    expect(sp! % 16n).toBe(0n);
    expect(ra).toBe(vdso_base(t));
    expect(s1).toBe(0x1111n);
    expect(uc_mask).toBe(0n); // the mask to restore
    expect(blockedIn).toBe(1n << 9n); // SIGUSR1 itself is blocked while its handler runs
    expect(pc).toBeGreaterThan(0x10000n); // the pc after the tgkill ecall
    expect(pc).toBeLessThan(0x11000n);
    expect(trace).toContain("prog: rt_sigreturn() = 0");
  });

  it("rt_sigreturn restores every register and the mask, with the handler's change to uc", () => {
    const { t } = run(src);
    const after = reg(t, 27) + 96n;
    const [a0, s1, s2, t3, spMoved] = words(t, after, 5);
    expect(a0).toBe(0n); // tgkill's result, not the handler's a0
    expect(s1).toBe(0x5555n); // from the frame the handler edited
    expect([s2, t3, spMoved]).toEqual([0x2222n, 0x3333n, 0n]);
    expect(t.signals.blocked).toBe(0n);
    expect(RT_SIGFRAME_SIZE).toBe(1088); // sizeof(struct rt_sigframe) on riscv64 without V
  });

  it("the vDSO page is a read/execute mapping named [vdso] holding li a7,139; ecall", () => {
    const { t } = run(src);
    const v = t.mm.vmas.find((x) => x.name === "[vdso]")!;
    expect(v.vm_flags & 7).toBe(5);
    const code = t.uaccess.copy_from_user(v.vm_start, 8)!;
    expect([...new Uint32Array(code.buffer, code.byteOffset, 2)]).toEqual([0x08b00893, 0x00000073]);
  });
});

describe("flags, masks and the alternate stack", () => {
  it("SA_RESETHAND: the second signal takes the default action (terminate, 128 + 10)", () => {
    const src = `
_start:
    ${sigaction(10, "handler", "0x80000000")}
    ${raise(10)}
    ${raise(10)}
    ${SPIN_END}
handler:
    ${BUMP_HOUT}
    ret
  .data
  .align 3
act: .space 24
hout: .space 8
`;
    expectKilledBy(run(src), 10, "SIGUSR1");
  });

  it("SA_NODEFER lets the handler be interrupted by its own signal; sa_mask blocks others", () => {
    const src = `
_start:
    ${sigaction(10, "handler", "0x40000000", "0x1000")}
    ${raise(10)}
    ${SPIN_END}
handler:
    ${BUMP_HOUT}
    li t2, 1
    bne t1, t2, 1f
    addi sp, sp, -16
    sd ra, 0(sp)
    ${raise(10)}              # nested: runs the handler again at once
    li a0, 0
    li a1, 0
    la a2, hout
    addi a2, a2, 8
    li a3, 8
    li a7, 135
    ecall
    ld ra, 0(sp)
    addi sp, sp, 16
1:  ret
  .data
  .align 3
act: .space 24
hout: .space 16
`;
    const { t } = run(src);
    const [count, mask] = words(t, reg(t, 27), 2);
    expect(count).toBe(2n);
    expect(mask).toBe(0x1000n); // sa_mask's SIGUSR2 (bit 12), not SIGUSR1
    expect(t.signals.blocked).toBe(0n);
  });

  it("SA_ONSTACK runs the handler on the sigaltstack; sigaltstack reports SS_ONSTACK there", () => {
    const src = `
_start:
    la t0, ss
    la t1, altstack
    sd t1, 0(t0)
    sd zero, 8(t0)
    li t1, 8192
    sd t1, 16(t0)
    mv a0, t0
    li a1, 0
    li a7, 132
    ecall
    ${sigaction(12, "handler", "0x08000000")}
    ${raise(12)}
    ${SPIN_END}
handler:
    la t0, hout
    sd sp, 0(t0)
    li a0, 0
    la a1, oss
    li a7, 132
    ecall
    la t0, hout
    la t1, oss
    lw t1, 8(t1)
    sd t1, 8(t0)
    li a0, 0
    la a1, oss
    li a7, 132
    ret
  .data
  .align 4
act: .space 24
ss: .space 24
oss: .space 24
hout: .space 16
altstack: .space 8192
`;
    const { t } = run(src);
    const hout = reg(t, 27);
    const [sp, flags] = words(t, hout, 2);
    const alt = hout + 16n;
    expect(sp).toBeGreaterThanOrEqual(alt);
    expect(sp).toBeLessThan(alt + 8192n);
    expect(sp).toBe((alt + 8192n - BigInt(RT_SIGFRAME_SIZE)) & ~15n);
    expect(flags).toBe(1n); // SS_ONSTACK
  });

  it("a fault with its signal blocked kills (force_sig resets it to SIG_DFL), status 139", () => {
    const src = `
_start:
    ${sigaction(11, "handler", "0")}
    la t0, act
    li t1, 0x400
    sd t1, 0(t0)
    ${sigprocmask(0, "mv a1, t0", "li a2, 0")} # block SIGSEGV
    ld t0, 0(zero)
handler:
    ret
  .data
  .align 3
act: .space 24
`;
    expectKilledBy(run(src), 11, "SIGSEGV", /prog\[1\]: segfault at 0 ip/);
  });

  it("a frame rt_sigreturn cannot read back kills with SIGSEGV", () => {
    const src = `
_start:
    li sp, 16
    li a7, 139
    ecall
`;
    expectKilledBy(run(src), 11, "SIGSEGV");
  });
});

describe("temporary masks", () => {
  it("ppoll's sigmask lets a blocked signal in; the frame and the mask after hold the old one", () => {
    const src = `
_start:
    ${sigaction(10, "handler", "0x10000000")}
    ${sigprocmask(0, "la a1, usr1", "li a2, 0")} # block SIGUSR1
    ${raise(10)}
    li a0, 0
    li a1, 0
    li a2, 0
    la a3, empty
    li a4, 8
    li a7, 73                # ppoll(NULL, 0, NULL, &empty, 8)
    ecall
    la t0, hout
    sd a0, 0(t0)
    ${sigprocmask(0, "li a1, 0", "addi a2, t0, 16")}
    ${SPIN_END}
handler:
    la t0, hout
    ld t1, 40(a2)            # uc_sigmask
    sd t1, 8(t0)
    ret
  .data
  .align 3
act: .space 24
usr1: .dword 0x200
empty: .dword 0
hout: .space 24
`;
    const { t } = run(src);
    const [r, ucMask, after] = words(t, reg(t, 27), 3);
    expect(r).toBe(E.EINTR); // SA_RESTART does not restart ppoll
    expect(ucMask).toBe(0x200n);
    expect(after).toBe(0x200n);
  });
});

describe("default actions", () => {
  it("SIGTERM terminates (143); SIGCHLD and SIGURG are ignored", () => {
    const src = `
_start:
    ${raise(17)}
    ${raise(23)}
    ${raise(15)}
    ${SPIN_END}
  .data
hout: .space 8
`;
    expectKilledBy(run(src), 15, "SIGTERM");
  });

  it("SIGSTOP stops a process until another sends SIGCONT; its sleep restarts", () => {
    const waker = killPid1After(20_000_000, 18); // SIGCONT after 20 ms
    const { t, o, k } = run(STOP_THEN_EXIT_42, { other: waker });
    expect(t.exitCode).toBe(42);
    expect(o?.exitCode).toBe(0);
    expect(k.sched.now()).toBeGreaterThanOrEqual(20_000_000);
  });

  it("SIGKILL ends a stopped process", () => {
    const killer = killPid1After(1_000_000, 9); // SIGKILL after 1 ms
    const r = run(STOP_THEN_EXIT_42, { other: killer });
    expectKilledBy(r, 9, "SIGKILL");
    const { k, o } = r;
    expect(o?.exitCode).toBe(0);
    expect(k.printk.dmesg()).not.toMatch(/nothing can wake it/);
  });

  it("a lone task asleep with nothing to wake it is killed, never a hang", () => {
    const src = `
_start:
    la a0, set
    li a1, 8
    li a7, 133               # rt_sigsuspend: no signal will ever come
    ecall
  .data
  .align 3
set: .dword 0
`;
    expectKilledBy(run(src), 9, "SIGKILL", /every task is asleep and nothing can wake it/);
  });
});

describe("sleeping and ITIMER_REAL in machine time", () => {
  it("nanosleep sleeps 50 ms of machine time without running instructions", () => {
    const src = `
_start:
    la a0, ts
    li a1, 0
    li a7, 101
    ecall
    mv s0, a0
    li a0, 0
    li a7, 94
    ecall
  .data
  .align 3
ts: .dword 0, 50000000
`;
    const { k, t } = run(src);
    expect(t.exitCode).toBe(0);
    expect(k.sched.now()).toBeGreaterThanOrEqual(50_000_000);
    expect(k.sched.now()).toBeLessThan(51_000_000);
  });

  it("a handler without SA_RESTART ends nanosleep with EINTR and the time left in rem", () => {
    const src = `
_start:
    ${sigaction(14, "handler", "0")}
    li a0, 0
    la a1, itv
    li a2, 0
    li a7, 103               # setitimer(ITIMER_REAL, 10 ms)
    ecall
    la a0, ts
    la a1, rem
    li a7, 101
    ecall
    la t0, hout
    sd a0, 0(t0)
    ${SPIN_END}
handler:
    ret
  .data
  .align 3
act: .space 24
itv: .dword 0, 0, 0, 10000
ts: .dword 1, 0
hout: .space 8
rem: .dword 0, 0
`;
    const { t } = run(src);
    const [r, sec, nsec] = words(t, reg(t, 27), 3);
    expect(r).toBe(E.EINTR);
    expect(sec).toBe(0n);
    expect(nsec).toBeGreaterThan(989_000_000n); // 1 s less the timer's 10 ms
    expect(nsec).toBeLessThanOrEqual(990_001_000n);
  });

  it("SA_RESTART restarts a read the signal interrupted: the handler's write completes it", () => {
    const src = `
_start:
    la a0, fds
    li a1, 0
    li a7, 59                # pipe2
    ecall
    ${sigaction(14, "handler", "0x10000000")}
    li a0, 0
    la a1, itv
    li a2, 0
    li a7, 103
    ecall
    la t0, fds
    lw a0, 0(t0)
    la a1, buf
    li a2, 8
    li a7, 63                # read: sleeps, interrupted, restarted
    ecall
    la t0, hout
    sd a0, 0(t0)
    ${SPIN_END}
handler:
    la t0, fds
    lw a0, 4(t0)
    la a1, msg
    li a2, 1
    li a7, 64
    ecall
    ret
  .data
  .align 3
act: .space 24
itv: .dword 0, 0, 0, 10000
fds: .word 0, 0
buf: .space 8
msg: .ascii "x"
  .align 3
hout: .space 8
`;
    const { t, trace } = run(src);
    expect(words(t, reg(t, 27), 1)).toEqual([1n]);
    const reads = trace.filter((l) => l.startsWith("prog: read(3, "));
    expect(reads).toEqual([
      `prog: read(3, ${reads[0]!.split(", ")[1]}, 8) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`,
      `prog: read(3, ${reads[0]!.split(", ")[1]}, 8) = 1`,
    ]);
  });

  it("setitimer and getitimer check their arguments as Linux does", () => {
    const p = proc();
    const itv = (v: bigint[]): bigint => {
      const b = new Uint8Array(32);
      const d = new DataView(b.buffer);
      for (const [i, x] of v.entries()) d.setBigInt64(i * 8, x, true);
      return p.bytes(b);
    };
    expect(p.call(103, 0, itv([0n, 0n, 0n, 1_000_000n]), 0)).toBe(E.EINVAL); // tv_usec past 999999
    expect(p.call(103, 0, itv([0n, 0n, -1n, 0n]), 0)).toBe(E.EINVAL);
    expect(p.call(103, 0, 8, 0)).toBe(E.EFAULT);
    expect(p.call(103, 5, itv([0n, 0n, 1n, 0n]), 0)).toBe(E.EINVAL);
    expect(p.call(102, 5, p.buf(32))).toBe(E.EINVAL);
    expect(p.call(102, 3, p.buf(32))).toBe(E.EINVAL);
    expect(p.call(102, 1, p.buf(32))).toBe(0n); // ITIMER_VIRTUAL: disarmed
    expect(p.call(103, 2, itv([0n, 0n, 0n, 1_000_000n]), 0)).toBe(E.EINVAL); // ITIMER_PROF, bad usec
    expect(p.call(103, 0, itv([0n, 250_000n, 2n, 0n]), 0)).toBe(0n);
    const old = p.buf(32);
    expect(p.call(102, 0, old)).toBe(0n);
    expect([p.u64(old, 0), p.u64(old, 8), p.u64(old, 16)]).toEqual([0n, 250_000n, 1n]); // 1.99... s left
    expect(p.call(103, 0, itv([0n, 0n, 0n, 0n]), old)).toBe(0n);
    expect(p.u64(old, 8)).toBe(250_000n);
    expect(p.call(102, 0, old)).toBe(0n);
    expect([p.u64(old, 16), p.u64(old, 24)]).toEqual([0n, 0n]);
  });

  it("nanosleep and clock_nanosleep check their arguments", () => {
    const p = proc();
    const ts = (s: bigint, ns: bigint): bigint => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setBigInt64(0, s, true);
      new DataView(b.buffer).setBigInt64(8, ns, true);
      return p.bytes(b);
    };
    expect(p.call(101, ts(0n, 1_000_000_000n), 0)).toBe(E.EINVAL);
    expect(p.call(101, ts(-1n, 0n), 0)).toBe(E.EINVAL);
    expect(p.call(101, 8, 0)).toBe(E.EFAULT);
    expect(p.call(101, ts(0n, 0n), 0)).toBe(0n);
    expect(p.call(115, 3, 0, ts(0n, 1n), 0)).toBe(E.EOPNOTSUPP); // THREAD_CPUTIME_ID, as Linux
    expect(p.call(101, 0, 0)).toBe(E.EFAULT); // Linux's answer (qemu-riscv64 says EINVAL)
    expect(p.call(115, 4, 0, ts(0n, 1n), 0)).toBe(E.EOPNOTSUPP); // MONOTONIC_RAW has no nsleep
    expect(p.call(115, 99, 0, ts(0n, 1n), 0)).toBe(E.EINVAL);
    expect(p.call(115, 1, 1, ts(0n, 5n), 0)).toBe(0n); // TIMER_ABSTIME in the past: at once
  });
});

describe("waiting for a signal and queueing one", () => {
  it("rt_sigtimedwait takes a pending blocked signal with its siginfo, without the handler", () => {
    const p = proc();
    const set = p.bytes(new Uint8Array(new BigUint64Array([1n << 9n]).buffer));
    const info = p.buf(128);
    const zero = p.buf(16);
    expect(p.call(135, 0, set, 0, 8)).toBe(0n); // block SIGUSR1
    expect(p.call(137, set, info, zero, 8)).toBe(-11n); // nothing pending, no wait: EAGAIN
    expect(p.call(129, p.t.pid, 10)).toBe(0n);
    expect(p.call(137, set, info, zero, 8)).toBe(10n);
    expect([p.i32(info, 0), p.i32(info, 8), p.i32(info, 16)]).toEqual([10, 0, p.t.pid]); // SI_USER
    expect(p.t.sig.shared_pending.signal).toBe(0n);
    expect(p.call(137, set, info, zero, 4)).toBe(E.EINVAL);
    expect(p.call(137, 8, info, zero, 8)).toBe(E.EFAULT);
  });

  it("rt_sigqueueinfo carries si_code and sigval; faking SI_USER to another process is EPERM", () => {
    const p = proc();
    const set = p.bytes(new Uint8Array(new BigUint64Array([1n << 39n]).buffer)); // signal 40
    p.call(135, 0, set, 0, 8);
    const si = new Uint8Array(128);
    const d = new DataView(si.buffer);
    d.setInt32(8, -1, true); // SI_QUEUE
    d.setInt32(16, p.t.pid, true);
    d.setBigUint64(24, 0x1234n, true);
    const uinfo = p.bytes(si);
    expect(p.call(138, p.t.pid, 40, uinfo)).toBe(0n);
    expect(p.call(138, p.t.pid, 40, uinfo)).toBe(0n); // real-time: both queued
    const info = p.buf(128);
    expect(p.call(137, set, info, p.buf(16), 8)).toBe(40n);
    expect([p.i32(info, 8), p.u64(info, 24)]).toEqual([-1, 0x1234n]);
    expect(p.call(137, set, info, p.buf(16), 8)).toBe(40n);
    d.setInt32(8, 0, true); // SI_USER
    expect(p.call(138, 999, 40, p.bytes(si))).toBe(-1n); // EPERM, before the lookup
    d.setInt32(8, -1, true);
    expect(p.call(138, 999, 40, p.bytes(si))).toBe(-3n);
    expect(p.call(240, 0, p.t.pid, 40, uinfo)).toBe(E.EINVAL);
    expect(p.call(138, p.t.pid, 40, 8)).toBe(E.EFAULT);
  });

  it("rt_sigtimedwait sleeps until the signal comes (SIGALRM from ITIMER_REAL) or the timeout", () => {
    const src = `
_start:
    ${sigprocmask(0, "la a1, set", "li a2, 0")} # block SIGALRM and SIGUSR1
    li a0, 0
    la a1, itv
    li a2, 0
    li a7, 103               # SIGALRM in 10 ms
    ecall
    la a0, alrm
    li a1, 0
    la a2, ts
    li a3, 8
    li a7, 137               # wait up to 1 s for SIGALRM
    ecall
    la t0, hout
    sd a0, 0(t0)
    la a0, usr1
    li a1, 0
    la a2, ts2
    li a3, 8
    li a7, 137               # wait 5 ms for SIGUSR1: EAGAIN
    ecall
    la t0, hout
    sd a0, 8(t0)
    ${SPIN_END}
  .data
  .align 3
set: .dword 0x2200
alrm: .dword 0x2000
usr1: .dword 0x200
itv: .dword 0, 0, 0, 10000
ts: .dword 1, 0
ts2: .dword 0, 5000000
hout: .space 16
`;
    const { k, t } = run(src);
    expect(words(t, reg(t, 27), 2)).toEqual([14n, -11n]);
    const now = k.sched.now();
    expect(now).toBeGreaterThanOrEqual(15_000_000); // 10 + 5 ms asleep, then the spin
    expect(now).toBeLessThan(21_000_000);
    expect(t.signals.blocked).toBe(0x2200n); // the mask is back after each wait
  });
});

describe("the signal system calls' argument checks", () => {
  it("rt_sigaction: sigsetsize, numbers, SIGKILL/SIGSTOP, bad pointers, unknown flags dropped", () => {
    const p = proc();
    const act = p.buf(24);
    p.write(
      act,
      new Uint8Array(new BigUint64Array([0x10000n, 0x1000_0004n | 0x100n, (1n << 8n) | (1n << 9n)]).buffer),
    );
    const old = p.buf(24);
    expect(p.call(134, 10, act, 0, 16)).toBe(E.EINVAL);
    expect(p.call(134, 0, act, 0, 8)).toBe(E.EINVAL);
    expect(p.call(134, 65, act, 0, 8)).toBe(E.EINVAL);
    expect(p.call(134, 9, act, 0, 8)).toBe(E.EINVAL);
    expect(p.call(134, 19, act, 0, 8)).toBe(E.EINVAL);
    expect(p.call(134, 9, 0, old, 8)).toBe(0n); // reading SIGKILL's action is fine
    expect(p.call(134, 10, 8, 0, 8)).toBe(E.EFAULT);
    expect(p.call(134, 10, act, 0, 8)).toBe(0n);
    expect(p.call(134, 10, 0, 8, 8)).toBe(E.EFAULT);
    expect(p.call(134, 10, 0, old, 8)).toBe(0n);
    // SA_SIGINFO|SA_RESTART kept, bit 0x100 dropped; SIGKILL (bit 8) dropped from the mask
    expect([p.u64(old, 0), p.u64(old, 8), p.u64(old, 16)]).toEqual([0x10000n, 0x1000_0004n, 1n << 9n]);
  });

  it("rt_sigprocmask and rt_sigpending", () => {
    const p = proc();
    const set = p.buf(8);
    const old = p.buf(8);
    p.write(set, new Uint8Array(new BigUint64Array([(1n << 8n) | (1n << 9n) | (1n << 13n)]).buffer));
    expect(p.call(135, 0, set, 0, 4)).toBe(E.EINVAL);
    expect(p.call(135, 3, set, 0, 8)).toBe(E.EINVAL);
    expect(p.call(135, 3, 0, old, 8)).toBe(0n); // no set: how is not looked at
    expect(p.call(135, 0, 8, 0, 8)).toBe(E.EFAULT);
    expect(p.call(135, 0, set, old, 8)).toBe(0n);
    expect(p.t.signals.blocked).toBe((1n << 9n) | (1n << 13n)); // never SIGKILL
    expect(p.call(135, 1, set, old, 8)).toBe(0n);
    expect(p.u64(old)).toBe((1n << 9n) | (1n << 13n));
    expect(p.t.signals.blocked).toBe(0n);
    p.call(135, 2, set, 0, 8);
    expect(p.call(129, p.t.pid, 14)).toBe(0n); // SIGALRM: blocked, so pending
    expect(p.call(136, old, 8)).toBe(0n);
    expect(p.u64(old)).toBe(1n << 13n);
    expect(p.call(136, old, 9)).toBe(E.EINVAL);
    expect(p.call(136, 8, 8)).toBe(E.EFAULT);
  });

  it("kill, tkill and tgkill: ESRCH, EINVAL, signal 0", () => {
    const p = proc();
    const pid = p.t.pid;
    expect(p.call(129, pid, 0)).toBe(0n);
    expect(p.call(129, 999, 0)).toBe(-3n);
    expect(p.call(129, 999, 1000)).toBe(-3n); // ESRCH before EINVAL
    expect(p.call(129, pid, 1000)).toBe(E.EINVAL);
    expect(p.call(129, -2147483648, 1)).toBe(-3n);
    expect(p.call(129, -1, 0)).toBe(-3n); // no other process
    expect(p.call(130, 0, 1)).toBe(E.EINVAL);
    expect(p.call(130, pid, 65)).toBe(E.EINVAL);
    expect(p.call(131, 0, pid, 1)).toBe(E.EINVAL);
    expect(p.call(131, pid + 1, pid, 0)).toBe(-3n);
    expect(p.call(131, pid, pid, 0)).toBe(0n);
  });

  it("sigaltstack: EINVAL for a bad mode, ENOMEM below MINSIGSTKSZ, SS_DISABLE reads back", () => {
    const p = proc();
    const ss = (sp: bigint, flags: number, size: bigint): bigint => {
      const b = new Uint8Array(24);
      const d = new DataView(b.buffer);
      d.setBigUint64(0, sp, true);
      d.setInt32(8, flags, true);
      d.setBigUint64(16, size, true);
      return p.bytes(b);
    };
    const old = p.buf(24);
    expect(p.call(132, 0, old)).toBe(0n);
    expect(p.i32(old, 8)).toBe(2); // SS_DISABLE
    expect(p.call(132, ss(0x1000n, 4, 8192n), 0)).toBe(E.EINVAL);
    expect(p.call(132, ss(0x1000n, 0, 2047n), 0)).toBe(E.ENOMEM);
    expect(p.call(132, 8, 0)).toBe(E.EFAULT);
    expect(p.call(132, ss(0x1000n, 0, 8192n), old)).toBe(0n);
    expect(p.call(132, 0, old)).toBe(0n);
    expect([p.u64(old, 0), p.i32(old, 8), p.u64(old, 16)]).toEqual([0x1000n, 0, 8192n]);
    expect(p.call(132, ss(0n, 2, 0n), 0)).toBe(0n);
    expect(p.call(132, 0, old)).toBe(0n);
    expect([p.u64(old, 0), p.i32(old, 8), p.u64(old, 16)]).toEqual([0n, 2, 0n]);
  });
});

describe("the signal guests on 4 harts", () => {
  const cases = loadCases("cases.json").filter((c) => c.program.startsWith("sig"));
  it("finds them", () =>
    expect(cases.map((c) => c.program).sort()).toEqual(["sigalrm", "sigmasks", "sigsegv_longjmp"]));
  for (const c of cases)
    for (const v of ["nolibc", "glibc"] as const)
      it(`${c.id} (${v}) prints what qemu recorded`, () => {
        const r = runCase(c, v, 4);
        expect(r.stdout).toBe(expected(c, v));
        expect(r.t.exitCode).toBe(c.status);
      });
});
