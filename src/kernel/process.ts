// Processes: task_struct, exec, the round-robin scheduler driven by the timer interrupt, and the
// user-mode trap path. A task runs in U-mode on a hart with its own page table and ASID (context
// switches change satp without flushing); a trap enters S-mode, which ends the interpreter's run,
// and this code handles it in TypeScript and returns to the task with sret.

import { CAUSE, CSR, disasm, type Hart, IRQ, MSTATUS, PRIV_S, PRIV_U, run as runHart } from "../cpu/index.js";
import { makeSatp, SATP_SV48 } from "../mmu/index.js";
import { ExecError, load_elf_binary, parseExecutable } from "./binfmt_elf.js";
import { do_exit, do_group_exit } from "./exit.js";
import { files_struct, type fs_struct } from "./fs/index.js";
import { KernelOops } from "./kaccess.js";
import { CLOCK_HZ, type Kernel } from "./kernel.js";
import { mm_struct, type ThpMode } from "./mm.js";
import { syscall } from "./syscalls/index.js";
import { UserAccess } from "./uaccess.js";
import {
  BLOCK,
  type Continuation,
  leave_wait_queues,
  type SleepKind,
  type Waiter,
  type wait_queue_entry,
  wait_queue_head,
} from "./wait.js";

/** The signal a child sends its parent when it exits (asm-generic/signal.h). */
export const SIGCHLD = 17;

/** Scheduler ticks per second (CONFIG_HZ). */
export const HZ = 250;
/** Instructions per scheduler tick. */
export const TICK = CLOCK_HZ / HZ;

export interface TaskIo {
  /** Read up to `max` bytes of standard input (empty = end of file). */
  stdin(max: number): Uint8Array;
  write(fd: 1 | 2, data: Uint8Array): void;
  isatty(fd: number): boolean;
}

export interface SpawnOptions {
  /** The executable's bytes and the path the guest sees (argv[0] by default, AT_EXECFN). */
  elf: Uint8Array;
  path: string;
  argv: string[];
  envp: string[];
  io: TaskIo;
  /** strace-style lines go here when set. */
  strace?: (line: string) => void;
}

/** What the threads of one process share (struct signal_struct, its processes half): the
 *  thread list, the live count, the group's exit status, the wait queue wait4() sleeps on,
 *  the process group and session. The signals half adds its shared state here. */
export class signal_struct {
  /** Every thread of the group, the leader first. */
  readonly threads: task_struct[] = [];
  /** Threads that have not exited yet (signal->live). */
  live = 1;
  /** exit_group() ran (SIGNAL_GROUP_EXIT): the status every thread exits with. */
  group_exit: { code: number; signal: number } | null = null;
  /** The processes this group forked (children of its leader), in fork order. */
  readonly children: task_struct[] = [];
  /** User cycles run by the group's threads (wait4's rusage, waitid's si_utime). */
  utime = 0;
  /** wait4/waitid sleepers of this group: a child's exit wakes them (wait_chldexit). */
  readonly wait_chldexit = new wait_queue_head("wait_chldexit");

  constructor(
    public pgrp: number,
    public session: number,
  ) {}
}

/** A task's life: runnable (TASK_RUNNING), asleep in a system call (TASK_INTERRUPTIBLE and
 *  friends, see wait.ts), exited and waiting to be reaped (EXIT_ZOMBIE), or gone (EXIT_DEAD). */
export type TaskState = "running" | "sleeping" | "zombie" | "dead";

export class task_struct implements Waiter {
  readonly regs = new Int32Array(64);
  /** The F/D registers and fcsr, saved while the task is off the hart. */
  readonly fregs = new Float64Array(32);
  fflags = 0;
  frm = 0;
  pc = 0n;
  /** The status a shell reports for the process (n, or 128 + the fatal signal), once exited. */
  exitCode: number | null = null;
  /** The fatal signal that ended the task, if any. */
  signal = 0;
  state: TaskState = "running";
  /** The thread group id (getpid); `pid` is the thread's own id (gettid). */
  tgid: number;
  group_leader: task_struct;
  sig: signal_struct;
  /** The process that forked this one (its group leader): getppid, wait4, SIGCHLD. */
  real_parent: task_struct | null = null;
  /** The signal the parent gets when this process exits (SIGCHLD after fork; -1 for a thread). */
  exit_signal = SIGCHLD;
  /** The descriptor table and the place in the namespace (src/kernel/fs, the seam). */
  files: files_struct;
  fs: fs_struct;
  mm: mm_struct;
  /** Map of signal number to handler; shared by CLONE_SIGHAND (the signals half owns it). */
  sigactions = new Map<number, bigint>();
  /** CLONE_CHILD_CLEARTID / set_tid_address: zeroed and futex-woken when the thread exits. */
  tidAddress = 0n;
  /** CLONE_CHILD_SETTID: written with the tid in the child's memory when it first runs. */
  set_child_tid = 0n;
  /** set_robust_list's head and length (walked at exit by the futex code). */
  robust_list = 0n;
  robust_list_len = 0n;
  /** The parent sleeping in a vfork until this child execs or exits (vfork_done). */
  vfork_done: task_struct | null = null;
  /** Has this process called execve since fork (setpgid's EACCES)? */
  did_exec = false;
  /** A fatal signal this thread must die of when it next runs (exit_group of a sibling,
   *  SIGKILL): signal number, 0 for none. */
  fatal = 0;
  uaccess: UserAccess;
  readonly unknownSyscalls = new Set<number>();
  // Sleeping (wait.ts's Waiter).
  readonly waits: wait_queue_entry[] = [];
  cont: Continuation | null = null;
  sleepKind: SleepKind = "interruptible";
  /** Machine nanoseconds at which a sleep ends by itself (Infinity: none). */
  deadline = Number.POSITIVE_INFINITY;
  /** The machine clock (cycles) when the task last left a hart: a hart that picks it up is at
   *  least that late, so time never runs backwards for it. */
  clock = 0;
  /** User cycles run (getrusage, wait4's rusage). */
  utime = 0;

  constructor(
    readonly pid: number,
    public comm: string,
    mm: mm_struct,
    public opts: SpawnOptions,
    private readonly sched: Scheduler,
    files: files_struct,
    fs: fs_struct,
    group: { leader: task_struct; sig: signal_struct } | null,
  ) {
    this.mm = mm;
    this.files = files;
    this.fs = fs;
    this.tgid = group ? group.leader.tgid : pid;
    this.group_leader = group ? group.leader : this;
    this.sig = group ? group.sig : new signal_struct(pid, pid);
    this.sig.threads.push(this);
    this.uaccess = new UserAccess(sched.k, mm, () => sched.thp);
  }

  /** Not yet exited. */
  get running(): boolean {
    return this.exitCode === null;
  }

  /** Point the user-access helpers at a new address space (fork's child, execve). */
  set_mm(mm: mm_struct): void {
    this.mm = mm;
    this.uaccess = new UserAccess(this.sched.k, mm, () => this.sched.thp);
  }

  /** try_to_wake_up(): a sleeping task leaves its queues and becomes runnable. */
  wake(): boolean {
    if (this.state !== "sleeping") return false;
    leave_wait_queues(this);
    this.state = "running";
    this.deadline = Number.POSITIVE_INFINITY;
    this.sched.enqueue(this);
    return true;
  }

  /** A pending signal interrupts a sleep of `kind`: here a fatal one (a sibling's exit_group,
   *  SIGKILL); the signals half adds the caught ones. */
  signal_pending(kind: SleepKind): boolean {
    return this.fatal !== 0 && kind !== "uninterruptible";
  }

  /** Leave the run queue, asleep until woken (or until `deadline`, machine ns). */
  sleep(kind: SleepKind, deadline: number): void {
    this.state = "sleeping";
    this.sleepKind = kind;
    this.deadline = deadline;
  }
}

/** Default pid_max (PID_MAX_DEFAULT) and the pids below which allocation does not wrap back
 *  (RESERVED_PIDS), from include/linux/threads.h. */
export const PID_MAX_DEFAULT = 32768;
const RESERVED_PIDS = 300;
/** ASIDs this kernel hands out: 16 bits, 0 kept for the kernel (arch/riscv's asid_bits). */
const NUM_ASIDS = 1 << 16;

export class Scheduler {
  /** Every task not yet reaped (zombies included), in creation order. */
  readonly tasks: task_struct[] = [];
  private readonly runqueue: task_struct[] = [];
  private readonly pids = new Map<number, task_struct>();
  private lastPid = 0;
  private nextAsid = 1;
  private readonly freeAsids: number[] = [];
  /** PID 1, the first program: orphans are given to it. */
  init: task_struct | null = null;
  thp: ThpMode = "madvise";
  /** Seed of getrandom() and AT_RANDOM (--seed). */
  seed = 1;
  ticks = 0;
  contextSwitches = 0;
  /** Called when a process exits, before its memory is freed (e.g. to print its smaps). */
  onExit: ((t: task_struct) => void) | null = null;
  /** do_notify_parent's signal: the signals half sends `child.exit_signal` to `parent` here
   *  (the wait queue is woken by exit.ts either way). */
  notifyParent: ((parent: task_struct, child: task_struct) => void) | null = null;

  constructor(readonly k: Kernel) {
    k.registerParams({
      prefix: "",
      params: [
        {
          name: "transparent_hugepage",
          help: "always | madvise | never (default madvise)",
          parse: (v) => {
            if (v !== "always" && v !== "madvise" && v !== "never")
              return `expected always, madvise or never, got '${v}'`;
            this.thp = v;
            return undefined;
          },
        },
      ],
    });
  }

  /** Create a task running `opts.elf`; throws ExecError for a bad executable. The first one
   *  is PID 1 (init). */
  spawn(opts: SpawnOptions): task_struct {
    const k = this.k;
    const elf = parseExecutable(opts.elf, opts.path);
    const mm = this.mm_alloc();
    if (!mm) throw new ExecError("out of ASIDs");
    const pid = this.alloc_pid();
    if (pid < 0) throw new ExecError("out of process ids");
    const comm = (opts.path.split("/").pop() ?? "a.out").slice(0, 15);
    const t = new task_struct(
      pid,
      comm,
      mm,
      opts,
      this,
      files_struct.init(k.vfs.stdio(opts.io)),
      k.vfs.init_fs(),
      null,
    );
    const h = k.hart();
    const savedSatp = h.satp;
    this.switch_mm(h, t);
    try {
      const img = load_elf_binary(k, mm, elf, opts.argv, opts.envp, opts.path, this.random(16), (va, data) =>
        t.uaccess.copy_to_user(va, data),
      );
      t.pc = img.entry;
      t.regs[2 * 2] = Number(BigInt.asIntN(32, img.sp));
      t.regs[2 * 2 + 1] = Number(BigInt.asIntN(32, img.sp >> 32n));
    } catch (e) {
      this.mmput(mm);
      throw e;
    } finally {
      h.csrWrite(CSR.satp, savedSatp);
    }
    this.init ??= t;
    this.attach(t);
    return t;
  }

  /** A new task joins the pid table, the task list and the run queue (wake_up_new_task). */
  attach(t: task_struct): void {
    this.pids.set(t.pid, t);
    this.tasks.push(t);
    this.runqueue.push(t);
  }

  /** The task leaves the pid table and the task list (release_task). */
  forget(t: task_struct): void {
    this.pids.delete(t.pid);
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
    this.dequeue(t);
  }

  /** find_task_by_vpid(): the live or zombie task with thread id `pid`. */
  find_task(pid: number): task_struct | undefined {
    return this.pids.get(pid);
  }

  /** alloc_pid(): the next free id after the last one given, wrapping to RESERVED_PIDS past
   *  pid_max; -1 when every id is taken. */
  alloc_pid(): number {
    for (let n = 0; n < PID_MAX_DEFAULT; n++) {
      let pid = this.lastPid + 1;
      if (pid >= PID_MAX_DEFAULT) pid = this.lastPid >= RESERVED_PIDS ? RESERVED_PIDS : 1;
      this.lastPid = pid;
      if (!this.pids.has(pid)) return pid;
    }
    return -1;
  }

  /** A new, empty address space with its own ASID (mm_alloc), or null when every ASID is in
   *  use. A freed ASID is reused only after exit_mmap flushed its entries on every hart. */
  mm_alloc(): mm_struct | null {
    const asid = this.freeAsids.shift() ?? (this.nextAsid < NUM_ASIDS ? this.nextAsid++ : -1);
    if (asid < 0) return null;
    return new mm_struct(this.k, asid);
  }

  /** mmput(): drop a user of `mm`; the last one tears the address space down and frees its
   *  ASID. */
  mmput(mm: mm_struct): void {
    if (--mm.mm_users > 0) return;
    mm.exit_mmap();
    this.freeAsids.push(mm.asid);
  }

  /** Put a runnable task on the run queue (once). */
  enqueue(t: task_struct): void {
    if (!this.runqueue.includes(t)) this.runqueue.push(t);
  }

  /** Take a task off the run queue (it exited). */
  dequeue(t: task_struct): void {
    const i = this.runqueue.indexOf(t);
    if (i >= 0) this.runqueue.splice(i, 1);
  }

  /** getrandom()'s generator: seeded, deterministic. */
  random(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let x = this.seed | 0 || 1;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.seed = x >>> 0;
      out[i] = this.seed & 0xff;
    }
    return out;
  }

  /** Point the hart's satp at the task's page table and ASID (no TLB flush: entries are
   *  tagged), and note the hart in the mm's cpumask. */
  switch_mm(h: Hart, t: task_struct): void {
    this.use_mm(h, t.mm);
  }

  /** The address-space switch itself: satp = `mm`'s root and ASID; the hart joins mm_cpumask. */
  use_mm(h: Hart, mm: mm_struct): void {
    h.csrWrite(CSR.satp, makeSatp(SATP_SV48, mm.asid, mm.pgd.root));
    mm.mm_cpumask |= 1 << h.id;
  }

  /** Machine time in nanoseconds: the furthest hart clock (CLOCK_HZ is 1 GHz: a cycle is a
   *  nanosecond). */
  now(): number {
    let t = 0;
    for (const c of this.k.machine.clocks) if ((c ?? 0) > t) t = c ?? 0;
    return t;
  }

  /** Wake every sleeper whose deadline has passed at `now` (the hrtimers firing). */
  private wake_expired(now: number): void {
    for (const t of this.tasks) {
      if (t.state === "sleeping" && t.deadline <= now) {
        t.clock = Math.max(t.clock, Math.ceil(t.deadline));
        t.wake();
      }
    }
  }

  /** Nothing is runnable: every hart idles until the earliest sleeper's deadline. False if no
   *  sleeper has one. */
  private idle(): boolean {
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.tasks) if (t.state === "sleeping" && t.deadline < next) next = t.deadline;
    if (!Number.isFinite(next)) return false;
    const clocks = this.k.machine.clocks;
    for (let i = 0; i < this.k.machine.harts.length; i++)
      clocks[i] = Math.max(clocks[i] ?? 0, Math.ceil(next));
    this.wake_expired(Math.ceil(next));
    return true;
  }

  /** Run the tasks until all have exited ("done"), `maxInsns` user instructions have retired
   *  ("limit"), or every task left sleeps with nothing that could wake it ("deadlock"). */
  run(maxInsns = Number.POSITIVE_INFINITY): "done" | "limit" | "deadlock" {
    const k = this.k;
    let retired = 0;
    for (;;) {
      this.wake_expired(this.now());
      if (!this.runqueue.length) {
        if (this.idle()) continue;
        return this.tasks.some((t) => t.state === "sleeping") ? "deadlock" : "done";
      }
      for (let cpu = 0; cpu < k.machine.harts.length && this.runqueue.length; cpu++) {
        const t = this.runqueue.shift()!;
        const n = k.onCpu(cpu, () => this.runTask(t, Math.min(TICK, maxInsns - retired)));
        retired += Math.max(n, 1); // a task that only slept still used its turn
        if (t.running && t.state === "running") this.runqueue.push(t);
        if (retired >= maxInsns) return "limit";
      }
    }
  }

  /** Run `t` on the current hart for up to `budget` instructions; returns how many retired. */
  private runTask(t: task_struct, budget: number): number {
    const k = this.k;
    const h = k.hart();
    const clocks = k.machine.clocks;
    clocks[h.id] = Math.max(clocks[h.id] ?? 0, t.clock);
    this.contextSwitches++;
    const idle = k.current;
    k.current = { comm: t.comm, pid: t.pid }; // what reports and WARN()s name as the task
    let total = 0;
    try {
      this.enterUser(h, t);
      while (t.running && t.state === "running") {
        if (t.fatal) {
          do_exit(this, t, 128 + t.fatal, t.fatal); // an exit_group in progress gives its status
          break;
        }
        const n = runHart(h, budget - total, k.machine.interpreter);
        total += n;
        t.utime += n;
        t.sig.utime += n;
        clocks[h.id] = (clocks[h.id] ?? 0) + Math.max(n, 1);
        h.yieldRequested = false;
        if (h.priv === PRIV_S) {
          this.handleTrap(h, t);
          if (t.running && t.state === "running") h.sret();
          continue;
        }
        if (total >= budget) {
          this.timerTick(h, t);
          break;
        }
      }
      if (t.running) this.saveUser(h, t);
    } finally {
      k.current = idle;
      t.clock = clocks[h.id] ?? 0;
    }
    return total;
  }

  /** Restore `t`'s registers and sret into U-mode at its pc. */
  private enterUser(h: Hart, t: task_struct): void {
    this.switch_mm(h, t);
    h.exitOnTrapTo = PRIV_S;
    h.medeleg = 0xb3ff;
    h.mideleg = (1 << IRQ.SSI) | (1 << IRQ.STI) | (1 << IRQ.SEI);
    h.mie |= 1 << IRQ.STI;
    h.x.set(t.regs);
    h.x[0] = 0;
    h.x[1] = 0;
    h.f.set(t.fregs);
    h.fflags = t.fflags;
    h.frm = t.frm;
    h.priv = PRIV_S;
    h.mstatus = (h.mstatus & ~MSTATUS.SPP) | MSTATUS.SPIE;
    if (h.misa & (1n << 5n)) h.mstatus = (h.mstatus & ~MSTATUS.FS) | (1 << 13); // FS = Initial
    if (t.set_child_tid !== 0n) {
      // schedule_tail(): CLONE_CHILD_SETTID's word, in the child's own memory (in S-mode).
      t.uaccess.copy_to_user(t.set_child_tid, u32le(t.pid));
      t.set_child_tid = 0n;
    }
    h.sepc = t.pc;
    h.sret();
  }

  /** Keep the hart's user registers in `t` (its pc: where it resumes, the ecall itself when it
   *  sleeps in a system call). */
  saveUser(h: Hart, t: task_struct): void {
    t.regs.set(h.x.subarray(0, 64));
    t.fregs.set(h.f);
    t.fflags = h.fflags;
    t.frm = h.frm;
    t.pc = h.priv === PRIV_U ? h.pcBig() : h.sepc;
  }

  /** The tick's timer interrupt: taken by the task (delegated STI), handled here as preemption. */
  private timerTick(h: Hart, t: task_struct): void {
    h.mipSw |= 1 << IRQ.STI;
    h.takeInterrupt(); // scause = interrupt 5, sepc = the interrupted pc
    h.mipSw &= ~(1 << IRQ.STI);
    h.yieldRequested = false;
    this.ticks++;
    this.saveUser(h, t);
  }

  /** A trap from U-mode: system call, page fault or a fatal signal. */
  private handleTrap(h: Hart, t: task_struct): void {
    const cause = Number(h.scause & 0xffn);
    if (h.scause >> 63n) return; // an interrupt: nothing pending here but the tick
    switch (cause) {
      case CAUSE.ECALL_U:
        h.sepc += 4n;
        this.systemCall(h, t);
        return;
      case CAUSE.FETCH_PAGE_FAULT:
      case CAUSE.LOAD_PAGE_FAULT:
      case CAUSE.STORE_PAGE_FAULT:
        this.pageFault(h, t, cause);
        return;
      case CAUSE.ILLEGAL:
        this.illegalInstruction(h, t);
        return;
      case CAUSE.BREAKPOINT:
        this.exitTask(t, 128 + 5, 5);
        return;
      default:
        this.k.printk.info(
          `${t.comm}[${t.pid}]: unhandled signal 7 (${cause}) at 0x${h.sepc.toString(16).padStart(16, "0")} addr 0x${h.stval.toString(16)}`,
        );
        this.exitTask(t, 128 + 7, 7);
    }
  }

  /** The system call in a7: an oops in it kills the task (make_task_dead); the kernel goes on.
   *  A call that sleeps (BLOCK) leaves sepc on its ecall, to run again when the task wakes. */
  private systemCall(h: Hart, t: task_struct): void {
    try {
      if (syscall(this.k, this, t, h) === BLOCK) h.sepc -= 4n;
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      for (const line of e.lines) this.k.printk.log("alert", line);
      this.exitTask(t, 128 + 11, 11);
    }
  }

  /** A user page fault: handle_mm_fault() resolves it, or the task is killed (SIGSEGV, or
   *  SIGKILL when out of memory). */
  private pageFault(h: Hart, t: task_struct, cause: number): void {
    const kind = cause === CAUSE.FETCH_PAGE_FAULT ? "x" : cause === CAUSE.LOAD_PAGE_FAULT ? "r" : "w";
    const res = t.mm.handle_mm_fault(h.stval, kind, this.thp);
    if (res === "ok") return;
    if (res === "oom") {
      this.k.printk.err(`Out of memory: Killed process ${t.pid} (${t.comm})`);
      this.exitTask(t, 128 + 9, 9);
      return;
    }
    if (res === "sigbus") {
      // An access past the end of a mapped file (filemap_fault's VM_FAULT_SIGBUS): SIGBUS with
      // si_code BUS_ADRERR, whose default action ends the process (status 135).
      this.k.printk.info(
        `${t.comm}[${t.pid}]: unhandled signal 7 code 0x2 (BUS_ADRERR) at 0x${h.sepc.toString(16).padStart(16, "0")} addr 0x${h.stval.toString(16)}`,
      );
      this.exitTask(t, 128 + 7, 7);
      return;
    }
    const err = 4 | (kind === "w" ? 2 : 0) | (res === "accerr" ? 1 : 0) | (kind === "x" ? 0x10 : 0);
    this.segfault(t, h, h.stval, err);
  }

  /** SIGILL, with the instruction named in the log. */
  private illegalInstruction(h: Hart, t: task_struct): void {
    const bits = Number(h.stval & 0xffffffffn);
    this.k.printk.info(
      `${t.comm}[${t.pid}]: unhandled signal 4 code 0x1 (ILL_ILLOPC) at 0x${h.sepc.toString(16).padStart(16, "0")}: ` +
        `illegal instruction 0x${bits.toString(16).padStart((bits & 3) === 3 ? 8 : 4, "0")} (${describeInsn(bits)})`,
    );
    this.exitTask(t, 128 + 4, 4);
  }

  /** SIGSEGV with the x86-style kernel line Linux prints for it, then exit status 139. */
  private segfault(t: task_struct, h: Hart, addr: bigint, err: number): void {
    const sp = BigInt.asUintN(64, (BigInt(h.x[5]!) << 32n) | BigInt(h.x[4]! >>> 0));
    const text = t.mm.vmas.find((v) => v.vm_flags & 4);
    const where = text
      ? ` in ${t.comm}[${text.vm_start.toString(16)}+${(text.vm_end - text.vm_start).toString(16)}]`
      : "";
    this.k.printk.info(
      `${t.comm}[${t.pid}]: segfault at ${addr.toString(16)} ip ${h.sepc.toString(16).padStart(16, "0")} ` +
        `sp ${sp.toString(16).padStart(16, "0")} error ${err.toString(16)}${where}`,
    );
    this.exitTask(t, 128 + 11, 11);
  }

  /** End `t`'s whole thread group (exit_group, as a fatal signal's default action does):
   *  `code` is the status a shell reports, `signal` the fatal signal if one killed it. */
  exitTask(t: task_struct, code: number, signal = 0): void {
    do_group_exit(this, t, code, signal);
  }
}

/** A 32-bit little-endian word (a tid for user memory). */
export function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** The instruction behind illegal-instruction bits, named for the report. */
function describeInsn(bits: number): string {
  const d = disasm(bits);
  return d.startsWith("illegal") ? "not an instruction of this CPU" : d;
}
