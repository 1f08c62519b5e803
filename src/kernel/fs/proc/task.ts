// What /proc shows of the scheduler's tasks (the one place in fs/ that reads task_struct):
// each task as a proc_task, and the current one (the task the kernel runs for, k.current).

import type { Kernel } from "../../kernel.js";
import { encode_raw } from "../../lib/rawstr.js";
import type { task_struct } from "../../process.js";
import { resolve } from "../path.js";
import type { proc_source, proc_task } from "./root.js";

/** A task as /proc shows it. */
function proc_task_of(t: task_struct): proc_task {
  const argv = t.opts.argv.map((a) => `${a}\0`).join("");
  const set = (pred: (h: bigint) => boolean): bigint =>
    t.sighand.action.reduce(
      (m, a, sig) => (sig > 0 && pred(a.handler) ? m | (1n << BigInt(sig - 1)) : m),
      0n,
    );
  return {
    pid: t.pid,
    tgid: t.pid,
    ppid: 0,
    comm: t.comm,
    state: t.running ? "R (running)" : "Z (zombie)",
    mm: t.running ? t.mm : null,
    files: t.running ? t.files : null,
    fs: t.running ? t.fs : null,
    threads: 1,
    exe: resolve("/", t.opts.path),
    cmdline: encode_raw(argv),
    voluntary_ctxt_switches: 0,
    nonvoluntary_ctxt_switches: 0,
    sigmasks: {
      pending: t.signals.pending.signal,
      shared: t.sig.shared_pending.signal,
      blocked: t.signals.blocked,
      ignored: set((h) => h === 1n),
      caught: set((h) => h > 1n),
    },
  };
}

/** The scheduler's tasks for /proc. */
export function sched_proc_source(k: Kernel): proc_source {
  return {
    tasks: () => k.sched.tasks.filter((t) => t.running).map(proc_task_of),
    current: () => {
      const t = k.sched.tasks.find((x) => x.pid === k.current.pid && x.running);
      return t ? proc_task_of(t) : null;
    },
  };
}
