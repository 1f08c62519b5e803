// Processes: task_struct, exec, the round-robin scheduler driven by the timer interrupt, and the
// user-mode trap path. A task runs in U-mode on a hart with its own page table and ASID (context
// switches change satp without flushing); a trap enters S-mode, which ends the interpreter's run,
// and this code handles it in TypeScript and returns to the task with sret.

import { CAUSE, disasm, type Hart, IRQ, MSTATUS, PRIV_S, PRIV_U, run as runHart } from "../cpu/index.js";
import { makeSatp, SATP_SV48 } from "../mmu/index.js";
import { ASID_BITS_MAX, AsidAllocator } from "./asid.js";
import { ExecError, load_elf_binary, parseExecutable } from "./binfmt_elf.js";
import { account_cputime, task_cputime } from "./cputime.js";
import { do_exit } from "./exit.js";
import { files_struct, type fs_struct } from "./fs/index.js";
import { Futexes } from "./futex.js";
import { HrTimers, type hrtimer } from "./hrtimer.js";
import { KernelOops } from "./kaccess.js";
import { CLOCK_HZ, type Kernel } from "./kernel.js";
import { mm_struct, type ThpMode } from "./mm.js";
import {
  BUS_ADRALN,
  BUS_ADRERR,
  do_signal,
  force_sig_fault,
  ILL_ILLOPC,
  init_task_signals,
  type kernel_siginfo,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGBUS,
  SIGCHLD,
  SIGILL,
  SIGSEGV,
  SIGTRAP,
  sighand_struct,
  signal_pending,
  signal_struct,
  TRAP_BRKPT,
  task_signals,
  unhandled_signal,
} from "./signal.js";
import { syscall } from "./syscalls/index.js";
import { UserAccess } from "./uaccess.js";
import {
  type Continuation,
  leave_wait_queues,
  type SleepKind,
  type Waiter,
  type wait_queue_entry,
} from "./wait.js";

/** A cpus_mask allowing every hart (64 bits: mmlab has at most 64). */
export const CPUS_ALL = (1n << 64n) - 1n;

/** May a task with affinity `mask` run on hart `cpu`? */
export function cpu_allowed(mask: bigint, cpu: number): boolean {
  return ((mask >> BigInt(cpu)) & 1n) !== 0n;
}

/** Scheduler ticks per second (CONFIG_HZ). */
export const HZ = 250;
/** Instructions per scheduler tick. */
export const TICK = CLOCK_HZ / HZ;

export interface TaskIo {
  /** Read up to `max` bytes of standard input (empty = end of file; null = nothing yet, more
   *  to come: the reader sleeps until the host calls tty_input() for this TaskIo). */
  stdin(max: number): Uint8Array | null;
  /** Write all of `data` to host stream `fd` (waiting while the host is slow to take it);
   *  -EPIPE when nobody reads that stream any more (the guest then gets EPIPE and SIGPIPE). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a sink that always takes everything returns nothing
  write(fd: 1 | 2, data: Uint8Array): bigint | void;
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

/** A task's scheduling state (__state): on a run queue or running, asleep in a system call
 *  (TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_UNINTERRUPTIBLE), or stopped by a signal. */
export type TaskState = "running" | SleepKind | "stopped";

/** What a debugger is asked about a task (ptrace's signal-delivery-stop and PTRACE_EVENT_*
 *  stops): a signal about to be delivered, an execve done (`path` as the caller named it), a
 *  process created by fork or vfork (`child`, not yet run). */
export type ptrace_event =
  | { kind: "signal"; info: kernel_siginfo }
  | { kind: "exec"; path: string }
  | { kind: "fork" | "vfork"; child: task_struct };

export class task_struct implements Waiter {
  readonly regs = new Int32Array(64);
  /** The F/D registers and fcsr, saved while the task is off the hart. */
  readonly fregs = new Float64Array(32);
  fflags = 0;
  frm = 0;
  pc = 0n;
  exitCode: number | null = null;
  /** The fatal signal that ended the task, if any. */
  signal = 0;
  /** The descriptor table and the place in the namespace (src/kernel/fs, the seam). */
  files: files_struct;
  fs: fs_struct;
  /** Signal handlers (shared by CLONE_SIGHAND), the process's shared signal state (Linux's
   *  task->signal: this class's `signal` is the fatal signal), and the thread's own. */
  sighand = new sighand_struct();
  sig = new signal_struct();
  readonly signals = new task_signals();
  /** a0 as the system call found it (regs->orig_a0), for a restart. */
  orig_a0 = 0n;
  /** rt_sigreturn ran: no restart fix-up of its result (regs->cause = -1). */
  in_sigreturn = false;
  state: TaskState = "running";
  /** The task sleeps in a system call, which runs again when it is woken (wait.ts). */
  syscall_blocked = false;
  /** The sleeping call's progress (wait.ts's continuation record). */
  cont: Continuation | null = null;
  readonly waits: wait_queue_entry[] = [];
  /** The timer that ends a sleep with a deadline. */
  sleep_timer: hrtimer | null = null;
  /** CLONE_CHILD_CLEARTID / set_tid_address: zeroed and futex-woken when the thread exits. */
  tidAddress = 0n;
  /** CLONE_CHILD_SETTID: written with the tid in the child's memory when it first runs. */
  set_child_tid = 0n;
  /** set_robust_list's head and length (walked at exit by the futex code). */
  robust_list = 0n;
  robust_list_len = 0n;
  /** The thread group id (getpid); `pid` is the thread's own id (gettid). */
  tgid: number;
  group_leader: task_struct;
  /** The process that forked this one (its group leader): getppid, wait4, SIGCHLD. */
  real_parent: task_struct | null = null;
  /** The signal the parent gets when this process exits (SIGCHLD after fork; -1 for a thread). */
  exit_signal = SIGCHLD;
  /** After exit: EXIT_ZOMBIE until reaped (a group leader), then EXIT_DEAD. */
  exit_state: "" | "zombie" | "dead" = "";
  /** The parent sleeping in a vfork until this child execs or exits (vfork_done). */
  vfork_done: task_struct | null = null;
  /** Has this process called execve since fork (setpgid's EACCES)? */
  did_exec = false;
  /** What this thread used: CPU time, faults, context switches (getrusage, cputime.ts). */
  readonly ru = new task_cputime();
  /** The hart whose run queue holds this task (task_cpu). */
  cpu = 0;
  /** The harts this thread may run on (cpus_mask, sched_setaffinity), a bit each; inherited
   *  by clone and fork. */
  cpus_mask = CPUS_ALL;
  /** A signal the task stopped with for its debugger (ptrace_signal): delivered when it is
   *  resumed if `deliver`, else dropped; `sys`: it came on the way back from a system call
   *  (whose restart is still to be done). */
  ptrace_sig: { info: kernel_siginfo; deliver: boolean; sys: boolean } | null = null;
  /** The debugger let go of this task's process (PTRACE_DETACH; inherited by its children):
   *  it is asked nothing about it, and its breakpoints and watchpoints do not stop it. */
  ptrace_detached = false;
  mm: mm_struct;
  uaccess: UserAccess;
  readonly unknownSyscalls = new Set<bigint>();

  /** A new task: `group` is the thread group it joins (CLONE_THREAD), null for a new process
   *  (its signal state is new too). */
  constructor(
    public pid: number,
    public comm: string,
    mm: mm_struct,
    public opts: SpawnOptions,
    private readonly k: Kernel,
    files: files_struct,
    fs: fs_struct,
    group: task_struct | null = null,
  ) {
    this.mm = mm;
    this.files = files;
    this.fs = fs;
    this.uaccess = new UserAccess(k, mm, () => k.sched.thp);
    this.tgid = group ? group.tgid : pid;
    this.group_leader = group ? group.group_leader : this;
    if (group) {
      this.sig = group.sig;
      this.sig.live++;
      this.sig.thread_head.push(this);
    } else {
      this.sig.pgrp = pid;
      this.sig.session = pid;
      init_task_signals(this);
    }
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  /** Point the user-access helpers at a new address space (execve). */
  set_mm(mm: mm_struct): void {
    this.mm = mm;
    this.uaccess = new UserAccess(this.k, mm, () => this.k.sched.thp);
  }

  /** Waiter: try_to_wake_up() from a wait queue (any sleep, not a stop). */
  wake(): boolean {
    return this.k.sched.wake_up_state(this, "any");
  }

  /** Waiter: would a pending signal end a sleep of `kind`? */
  signal_pending(kind: SleepKind): boolean {
    return signal_pending(this, kind);
  }

  /** Waiter: go to sleep (wait_event's set_current_state + schedule). */
  sleep(kind: SleepKind, deadline: number): void {
    this.k.sched.sleep(this, kind, deadline);
  }
}

/** Default pid_max (PID_MAX_DEFAULT) and the pids below which allocation does not wrap back
 *  (RESERVED_PIDS), from include/linux/threads.h. */
export const PID_MAX_DEFAULT = 32768;
const RESERVED_PIDS = 300;

export class Scheduler {
  /** Every task not yet reaped (zombies included), in creation order. */
  readonly tasks: task_struct[] = [];
  /** A run queue per hart (runnable tasks waiting for it), and the task each hart runs now. */
  private readonly rqs: task_struct[][] = [];
  private readonly curr: (task_struct | null)[] = [];
  private readonly pids = new Map<number, task_struct>();
  private lastPid = 0;
  /** mm_structs made so far (their serial numbers). */
  private mms = 0;
  /** The ASID allocator (asid.ts); `asid_bits=` shrinks its space. */
  readonly asids: AsidAllocator;
  /** PID 1, the first program: orphans are given to it. */
  init: task_struct | null = null;
  thp: ThpMode = "madvise";
  /** Seed of getrandom() and AT_RANDOM (--seed). */
  seed = 1;
  ticks = 0;
  contextSwitches = 0;
  /** The harts that have run a task, a bit each. */
  ranOn = 0;
  /** The futex hash (futex.ts). */
  readonly futexes = new Futexes((tid) => this.find_task(tid));
  /** High-resolution timers in machine time: sleeps' deadlines and ITIMER_REAL. */
  readonly timers = new HrTimers();
  /** Idle timer expiries in a row that woke no task: past IDLE_SPIN_MAX, nothing ever will. */
  private idleSpins = 0;
  /** Called when a task exits, before its memory is freed (e.g. to print its smaps). */
  onExit: ((t: task_struct) => void) | null = null;
  /** The debugger's hold on the tasks (src/gdb), as ptrace gives gdbserver: it is asked about
   *  each signal but SIGKILL before delivery (ptrace_signal), each successful execve
   *  (PTRACE_EVENT_EXEC) and each new process (PTRACE_EVENT_FORK/VFORK), and true stops the
   *  task for it (ptraceStop). */
  ptrace: ((t: task_struct, ev: ptrace_event) => boolean) | null = null;
  /** The task that stopped for the debugger; run() then returns "halt". */
  ptraceStop: task_struct | null = null;

  constructor(readonly k: Kernel) {
    this.asids = new AsidAllocator(k.machine.harts.length);
    k.registerParams({
      prefix: "",
      params: [
        {
          name: "asid_bits",
          help: `ASID bits the kernel uses, 0-${ASID_BITS_MAX} (default ${ASID_BITS_MAX}; few bits force rollovers, too few for the harts turn ASIDs off)`,
          parse: (v) => {
            const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
            if (!(n >= 0 && n <= ASID_BITS_MAX)) return `expected 0 to ${ASID_BITS_MAX}, got '${v}'`;
            this.asids.setBits(n);
            return undefined;
          },
        },
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
    const pid = this.alloc_pid();
    if (pid < 0) throw new ExecError("out of process ids");
    const comm = (opts.path.split("/").pop() ?? "a.out").slice(0, 15);
    const t = new task_struct(
      pid,
      comm,
      mm,
      opts,
      k,
      files_struct.init(k.vfs.stdio(opts.io)),
      k.vfs.init_fs(),
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
      h.writeSatp(savedSatp);
      this.asids.forget(h.id);
    }
    this.init ??= t;
    this.attach(t);
    return t;
  }

  /** A new task joins the pid table, the task list and the run queue (wake_up_new_task). */
  attach(t: task_struct): void {
    this.pids.set(t.pid, t);
    this.tasks.push(t);
    t.cpu = this.select_task_rq(t);
    this.rq(t.cpu).push(t);
  }

  /** Hart `cpu`'s run queue. */
  private rq(cpu: number): task_struct[] {
    let q = this.rqs[cpu];
    if (!q) {
      q = [];
      this.rqs[cpu] = q;
    }
    return q;
  }

  /** A hart's load: the tasks waiting in its queue and the one it runs. */
  private load(cpu: number): number {
    return this.rq(cpu).length + (this.curr[cpu] ? 1 : 0);
  }

  /** select_task_rq(): the least loaded hart `t` may run on (the lowest on a tie):
   *  deterministic. */
  private select_task_rq(t: task_struct): number {
    let best = -1;
    for (let cpu = 0; cpu < this.k.machine.harts.length; cpu++)
      if (cpu_allowed(t.cpus_mask, cpu) && (best < 0 || this.load(cpu) < this.load(best))) best = cpu;
    return Math.max(best, 0);
  }

  /** sched_setaffinity()'s effect (set_cpus_allowed_ptr): `t` may run only on the harts of
   *  `mask` (already limited to the online ones, not empty). A task queued on a hart it may
   *  no longer use moves to the least loaded allowed one; the running caller moves when it
   *  leaves the hart, right after the call (runTask sees t.cpu changed). */
  set_cpus_allowed(t: task_struct, mask: bigint): void {
    t.cpus_mask = mask;
    if (cpu_allowed(mask, t.cpu)) return;
    const queued = this.rq(t.cpu).includes(t);
    if (queued) this.dequeue(t);
    t.cpu = this.select_task_rq(t);
    if (queued) this.rq(t.cpu).push(t);
  }

  /** The next task for hart `cpu`: its own queue's first, or, when that is empty, one pulled
   *  from the busiest queue holding two or more (idle balancing). */
  private pick_next_task(cpu: number): task_struct | undefined {
    const own = this.rq(cpu).shift();
    if (own) return own;
    const movable = (c: number): number => this.rq(c).filter((t) => cpu_allowed(t.cpus_mask, cpu)).length;
    let busiest = -1;
    for (let c = 0; c < this.k.machine.harts.length; c++)
      if (
        this.rq(c).length >= 2 &&
        movable(c) > 0 &&
        (busiest < 0 || this.rq(c).length > this.rq(busiest).length)
      )
        busiest = c;
    if (busiest < 0) return undefined;
    const q = this.rq(busiest);
    let i = q.length - 1;
    while (!cpu_allowed(q[i]!.cpus_mask, cpu)) i--;
    const t = q.splice(i, 1)[0]!;
    t.cpu = cpu;
    return t;
  }

  /** Runnable tasks waiting on every hart. */
  private nr_queued(): number {
    let n = 0;
    for (let c = 0; c < this.k.machine.harts.length; c++) n += this.rq(c).length;
    return n;
  }

  /** The task leaves the pid table and the task list (release_task). */
  forget(t: task_struct): void {
    this.pids.delete(t.pid);
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
    this.dequeue(t);
  }

  /** Take a task off the run queue. */
  dequeue(t: task_struct): void {
    const q = this.rq(t.cpu);
    const i = q.indexOf(t);
    if (i >= 0) q.splice(i, 1);
  }

  /** exchange_tids() for de_thread: `t` is known by `pid` from now on (its own id is free). */
  change_pid(t: task_struct, pid: number): void {
    if (this.pids.get(t.pid) === t) this.pids.delete(t.pid);
    t.pid = pid;
    this.pids.set(pid, t);
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

  /** A new, empty address space (mm_alloc); it gets an ASID when first switched to. */
  mm_alloc(): mm_struct {
    return new mm_struct(this.k, ++this.mms);
  }

  /** mmput(): drop a user of `mm`; the last one tears the address space down (its ASID comes
   *  back only at the next rollover, as in Linux). */
  mmput(mm: mm_struct): void {
    if (--mm.mm_users > 0) return;
    mm.exit_mmap();
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

  /** Point the hart's satp at the task's page table and ASID (no TLB flush: entries are tagged). */
  switch_mm(h: Hart, t: task_struct): void {
    this.use_mm(h, t.mm);
  }

  /** The address-space switch itself (switch_mm): a current ASID for `mm`, satp = its root and
   *  ASID, a full flush of this hart's TLB if a rollover (or, without ASIDs, another mm) asks
   *  for it; the hart joins mm_cpumask. */
  use_mm(h: Hart, mm: mm_struct): void {
    const flush = this.asids.switch_mm(mm, h.id);
    h.writeSatp(makeSatp(SATP_SV48, this.asids.asidOf(mm), mm.pgd.root));
    if (flush) this.k.flush.local_flush_tlb_all(h);
    mm.mm_cpumask |= 1 << h.id;
  }

  /** Run every task until all have exited (or `maxInsns` user instructions have retired).
   *  When every task sleeps, the harts idle until the next timer; when none is set, nothing
   *  can wake them and they are killed (a hang is never an answer). */
  run(maxInsns = Number.POSITIVE_INFINITY): "done" | "limit" | "halt" | "wait" {
    const k = this.k;
    let retired = 0;
    for (;;) {
      if (!this.nr_queued() && !this.idle()) return this.waiting_on_host() ? "wait" : "done";
      const clocks = k.machine.clocks;
      let ran = 0;
      for (let cpu = 0; cpu < k.machine.harts.length; cpu++) {
        k.onCpu(cpu, () => this.timers.run(this.now()));
        const t = this.pick_next_task(cpu);
        if (!t) continue;
        const untilTimer = k.onCpu(cpu, () => Math.ceil((this.timers.next() - this.now()) * NS_TO_CYCLES));
        const budget = Math.max(1, Math.min(TICK, maxInsns - retired, untilTimer));
        this.curr[cpu] = t;
        const n = k.onCpu(cpu, () => this.runTask(t, budget));
        this.curr[cpu] = null;
        ran = Math.max(ran, clocks[cpu] ?? 0);
        retired += n;
        if (n > 0) this.idleSpins = 0;
        // Preempted: back to the tail of its own hart's queue.
        if (t.running && t.state === "running" && !this.rq(t.cpu).includes(t)) this.rq(t.cpu).push(t);
        // A debugger's stop: a trigger or breakpoint halted the hart, or a task stopped with a
        // signal for it (only with a debugger attached).
        if (this.ptraceStop || k.machine.harts[cpu]!.triggers.halt) return "halt";
        if (retired >= maxInsns) return "limit";
      }
      // A hart that had nothing to run idled while the others ran: its clock moves on with
      // theirs (time never runs backwards for a task that moves to it).
      for (let cpu = 0; cpu < k.machine.harts.length; cpu++) clocks[cpu] = Math.max(clocks[cpu] ?? 0, ran);
    }
  }

  /** Put a runnable task on its hart's queue (once); a task woken onto a busy hart goes to an
   *  idle one if there is one (select_idle_sibling). */
  enqueue(t: task_struct): void {
    if (this.rq(t.cpu).includes(t)) return;
    if (!cpu_allowed(t.cpus_mask, t.cpu)) t.cpu = this.select_task_rq(t);
    if (this.load(t.cpu) > 0) {
      for (let cpu = 0; cpu < this.k.machine.harts.length; cpu++)
        if (this.load(cpu) === 0 && cpu_allowed(t.cpus_mask, cpu)) {
          t.cpu = cpu;
          break;
        }
    }
    this.rq(t.cpu).push(t);
  }

  /** Machine time in nanoseconds on the current hart (ktime_get()). */
  now(): number {
    return (this.k.machine.clocks[this.k.cpu] ?? 0) / NS_TO_CYCLES;
  }

  /** No task is runnable: move every hart's clock on to the next timer and run it (true), or,
   *  with no timer left (or only timers that wake nobody), kill the sleepers (false). */
  private idle(): boolean {
    const k = this.k;
    const next = this.timers.next();
    if (next !== Number.POSITIVE_INFINITY && this.idleSpins++ < IDLE_SPIN_MAX) {
      const cycles = Math.ceil(next * NS_TO_CYCLES);
      for (let cpu = 0; cpu < k.machine.harts.length; cpu++)
        k.machine.clocks[cpu] = Math.max(k.machine.clocks[cpu] ?? 0, cycles);
      k.onCpu(0, () => this.timers.run(this.now()));
      return true;
    }
    if (this.waiting_on_host()) return false; // the host's input wakes them, not a timer
    const stuck = this.tasks.filter((t) => t.running);
    for (const t of stuck) {
      k.printk.err(
        `${t.comm}[${t.pid}]: every task is ${t.state === "stopped" ? "stopped" : "asleep"} and nothing can wake it: killed (SIGKILL)`,
      );
      this.exitTask(t, 128 + 9, 9);
    }
    return false;
  }

  /** Does a task sleep on a queue the host wakes (terminal input)? Then the machine waits for
   *  the host rather than being stuck. */
  private waiting_on_host(): boolean {
    return this.tasks.some((t) => t.running && t.waits.some((e) => e.head.host));
  }

  /** Put `t` to sleep (state `kind`, woken by its queues, a signal or `deadline`, in machine
   *  nanoseconds): it leaves the run queue when it leaves the hart. */
  sleep(t: task_struct, kind: SleepKind, deadline: number): void {
    t.state = kind;
    t.syscall_blocked = true;
    if (deadline !== Number.POSITIVE_INFINITY)
      t.sleep_timer = this.timers.start(deadline, () => this.wake_up_state(t, "any"));
  }

  /** try_to_wake_up() of a task in one of the states `which` names ("any" sleep, only
   *  "interruptible" ones, "killable" ones too, or "stopped"): it leaves its wait queues and
   *  its timer and goes back on the run queue. False if it was not in such a state. */
  wake_up_state(t: task_struct, which: "any" | "interruptible" | "killable" | "stopped"): boolean {
    const st = t.state;
    const ok =
      st !== "running" &&
      (which === "stopped"
        ? st === "stopped"
        : st !== "stopped" &&
          (which === "any" || st === "interruptible" || (which === "killable" && st === "killable")));
    if (!ok || !t.running) return false;
    leave_wait_queues(t);
    if (t.sleep_timer) this.timers.cancel(t.sleep_timer);
    t.sleep_timer = null;
    t.state = "running";
    this.enqueue(t);
    return true;
  }

  /** A stop signal's default action: `t` leaves the run queue until SIGCONT. A sleep it was
   *  in ends (its call restarts after SIGCONT). */
  stop_task(t: task_struct): void {
    leave_wait_queues(t);
    if (t.sleep_timer) this.timers.cancel(t.sleep_timer);
    t.sleep_timer = null;
    t.state = "stopped";
    this.dequeue(t);
  }

  /** do_group_exit(): every thread of `t`'s process ends (a fatal signal, exit_group). */
  do_group_exit(t: task_struct, code: number, signal = 0): void {
    t.sig.group_exit = true;
    for (const th of [...t.sig.thread_head]) this.exitTask(th, code, signal);
  }

  /** Run `t` on the current hart for up to `budget` instructions; returns how many retired.
   *  A task woken in a system call runs the call again first (wait.ts); every return to user
   *  mode takes the signals pending (do_signal). The task leaves the hart when its budget is
   *  spent, or when it sleeps, stops or exits. */
  private runTask(t: task_struct, budget: number, step = false): number {
    const k = this.k;
    const h = k.hart();
    this.contextSwitches++;
    this.ranOn |= 1 << h.id;
    const idle = k.current;
    k.current = { comm: t.comm, pid: t.pid }; // what reports and WARN()s name as the task
    this.enterUser(h, t);
    h.triggers.debuggerAway = t.ptrace_detached;
    let fromSyscall = false;
    const clocks = k.machine.clocks;
    if (t.syscall_blocked) {
      t.syscall_blocked = false;
      const t0 = clocks[h.id] ?? 0;
      this.systemCall(h, t);
      account_cputime(this, t, "system", (clocks[h.id] ?? 0) - t0);
      fromSyscall = true;
    }
    let total = 0;
    let inUser = false;
    for (;;) {
      if (!inUser) {
        if (t.running && t.state === "running") do_signal(this, t, h, fromSyscall);
        if (!t.running || t.state !== "running" || this.ptraceStop) break;
        h.sret();
      }
      const n = runHart(h, budget - total, k.machine.interpreter);
      total += n;
      clocks[h.id] = (clocks[h.id] ?? 0) + Math.max(n, 1);
      account_cputime(this, t, "user", n);
      h.yieldRequested = false;
      if (h.triggers.halt !== null) break; // stopped for the debugger before an instruction
      if (h.priv === PRIV_S) {
        inUser = false;
        const t0 = clocks[h.id] ?? 0;
        fromSyscall = this.handleTrap(h, t);
        account_cputime(this, t, "system", (clocks[h.id] ?? 0) - t0);
        if (step && fromSyscall) break; // a debugger's step over ecall is the whole call
        if (t.cpu !== h.id) break; // sched_setaffinity moved it: it goes on on its new hart
        continue;
      }
      if (total >= budget) {
        if (!step) this.timerTick(h, t);
        break;
      }
      // The chunk ended in U-mode with budget left and no trap (fence.i, a CSR write the
      // interpreter's loop caches, the interpreter's own reasons): the task goes on from there,
      // without entering the kernel (an sret from U-mode would be an illegal instruction).
      inUser = true;
    }
    if (t.running) this.saveUser(h, t);
    // A switch away: voluntary when the task sleeps or stops, involuntary when the tick
    // preempts it for another task of this hart.
    if (t.running && !step) {
      if (t.state !== "running") {
        t.ru.nvcsw++;
        t.sig.ru.nvcsw++;
      } else if (total >= budget && this.rq(t.cpu).length) {
        t.ru.nivcsw++;
        t.sig.ru.nivcsw++;
      }
    }
    k.current = idle;
    return total;
  }

  /** A debugger's single step of `t` on hart 0: one instruction, or one whole system call
   *  (with what it does on the way back: signals), with no timer tick. */
  stepTask(t: task_struct): void {
    if (!t.running || t.state !== "running") return;
    this.k.onCpu(0, () => this.runTask(t, 1, true));
  }

  /** Restore `t`'s registers into the hart, in S-mode with the user pc in sepc (the caller
   *  srets into U-mode after the signal check). */
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
    h.sepc = t.pc;
    if (t.set_child_tid !== 0n) {
      // schedule_tail(): CLONE_CHILD_SETTID's word, in the child's own memory (in S-mode).
      t.uaccess.copy_to_user(t.set_child_tid, u32le(t.pid));
      t.set_child_tid = 0n;
    }
  }

  /** Keep the hart's user registers in `t`. */
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

  /** A trap from U-mode: system call, page fault, or another exception, which sends its
   *  signal (delivered on the way back to user mode). True for a system call. */
  private handleTrap(h: Hart, t: task_struct): boolean {
    // Compared, not shifted or masked: a BigInt operation makes a BigInt at every trap.
    if (h.scause >= SCAUSE_INTERRUPT) return false; // an interrupt: nothing pending here but the tick
    const cause = Number(h.scause) & 0xff; // an exception's code, below 64
    switch (cause) {
      case CAUSE.ECALL_U:
        h.sepc += 4n;
        this.systemCall(h, t);
        return true;
      case CAUSE.FETCH_PAGE_FAULT:
      case CAUSE.LOAD_PAGE_FAULT:
      case CAUSE.STORE_PAGE_FAULT:
        this.pageFault(h, t, cause);
        return false;
      case CAUSE.ILLEGAL:
        this.illegalInstruction(h, t);
        return false;
      case CAUSE.BREAKPOINT:
        force_sig_fault(this, t, SIGTRAP, TRAP_BRKPT, h.sepc);
        return false;
      default: {
        // Misaligned accesses: SIGBUS BUS_ADRALN; access faults: SIGBUS with the cause.
        const misaligned = cause === 0 || cause === 4 || cause === 6;
        if (unhandled_signal(t, SIGBUS))
          this.k.printk.info(
            `${t.comm}[${t.pid}]: unhandled signal 7 (${cause}) at 0x${h.sepc.toString(16).padStart(16, "0")} addr 0x${h.stval.toString(16)}`,
          );
        force_sig_fault(this, t, SIGBUS, misaligned ? BUS_ADRALN : BUS_ADRERR, h.stval);
        return false;
      }
    }
  }

  /** The system call in a7: an oops in it kills the task (make_task_dead); the kernel goes on. */
  private systemCall(h: Hart, t: task_struct): void {
    try {
      syscall(this.k, this, t, h);
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
    if (res === "ok") {
      // A minor fault (no fault here waits for a disk: Linux counts major faults only when
      // the page must be read in, and mounted host files are read synchronously).
      t.ru.min_flt++;
      t.sig.ru.min_flt++;
      if (t.mm.rss > t.mm.hiwater_rss) t.mm.hiwater_rss = t.mm.rss;
      return;
    }
    if (res === "oom") {
      // out_of_memory(): the biggest process dies; if that is not this one, the fault is
      // taken again (its instruction re-executes) with the memory the victim held.
      this.oom_kill(t);
      return;
    }
    if (res === "sigbus") {
      // An access past the end of a mapped file (filemap_fault's VM_FAULT_SIGBUS): SIGBUS with
      // si_code BUS_ADRERR, whose default action ends the process (status 135).
      if (unhandled_signal(t, SIGBUS))
        this.k.printk.info(
          `${t.comm}[${t.pid}]: unhandled signal 7 code 0x2 (BUS_ADRERR) at 0x${h.sepc.toString(16).padStart(16, "0")} addr 0x${h.stval.toString(16)}`,
        );
      force_sig_fault(this, t, SIGBUS, BUS_ADRERR, h.stval);
      return;
    }
    const err = 4 | (kind === "w" ? 2 : 0) | (res === "accerr" ? 1 : 0) | (kind === "x" ? 0x10 : 0);
    if (unhandled_signal(t, SIGSEGV)) this.segfault(t, h, h.stval, err);
    force_sig_fault(this, t, SIGSEGV, res === "accerr" ? SEGV_ACCERR : SEGV_MAPERR, h.stval);
  }

  /** out_of_memory() for a user fault of `t`: the process with the largest resident set (Linux's
   *  oom_badness without swap and page tables, which mm does not count; the first in task order
   *  on a tie) is killed with SIGKILL, with Linux's report (less its pgtables figure). Unlike
   *  Linux, PID 1 may be chosen: here it is the user's program, not an init. Returns the
   *  victim. */
  oom_kill(t: task_struct): task_struct {
    let victim = t;
    let worst = -1;
    for (const p of this.tasks) {
      if (p !== p.sig.thread_head[0] || !p.running || p.sig.group_exit) continue;
      const badness = p.mm.rss;
      if (badness > worst) {
        worst = badness;
        victim = p;
      }
    }
    const pr = this.k.printk;
    pr.log(
      "warning",
      `${t.comm} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0`,
    );
    const mm = victim.mm;
    const totalVm = mm.vmas.reduce((n, v) => n + Number(v.vm_end - v.vm_start), 0) / 1024;
    pr.err(
      `Out of memory: Killed process ${victim.tgid} (${victim.comm}) total-vm:${totalVm}kB, ` +
        `anon-rss:${mm.rss * 4}kB, file-rss:0kB, shmem-rss:0kB, UID:0 oom_score_adj:0`,
    );
    this.do_group_exit(victim, 128 + 9, 9);
    return victim;
  }

  /** SIGILL ILL_ILLOPC at the instruction, named in the log when nothing catches it. */
  private illegalInstruction(h: Hart, t: task_struct): void {
    const bits = Number(h.stval & 0xffffffffn);
    if (unhandled_signal(t, SIGILL))
      this.k.printk.info(
        `${t.comm}[${t.pid}]: unhandled signal 4 code 0x1 (ILL_ILLOPC) at 0x${h.sepc.toString(16).padStart(16, "0")}: ` +
          `illegal instruction 0x${bits.toString(16).padStart((bits & 3) === 3 ? 8 : 4, "0")} (${describeInsn(bits)})`,
      );
    force_sig_fault(this, t, SIGILL, ILL_ILLOPC, h.sepc);
  }

  /** The x86-style kernel line Linux prints for an unhandled SIGSEGV (the signal follows). */
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
  }

  /** End a task: free its memory (and ASID's TLB entries); `signal` if it was killed. */
  exitTask(t: task_struct, code: number, signal = 0): void {
    do_exit(this, t, code, signal);
  }
}

/** A 32-bit little-endian word (a tid for user memory). */
export function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** scause's interrupt bit (bit 63): a value at least this is an interrupt. */
const SCAUSE_INTERRUPT = 1n << 63n;

/** Cycles of the harts' clock per nanosecond (CLOCK_HZ cycles a second). */
const NS_TO_CYCLES = CLOCK_HZ / 1e9;
/** Idle timer expiries in a row that wake no task before the sleepers are declared stuck (a
 *  periodic timer whose signal is ignored must not keep an idle machine running forever). */
const IDLE_SPIN_MAX = 100_000;

/** The instruction behind illegal-instruction bits, named for the report. */
function describeInsn(bits: number): string {
  const d = disasm(bits);
  return d.startsWith("illegal") ? "not an instruction of this CPU" : d;
}
