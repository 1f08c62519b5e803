// System calls by their Linux riscv64 numbers (include/uapi/asm-generic/unistd.h). Each area's
// file (fs, mm, process, sched, signal, time, sys) exports a table whose entries name the call, describe
// its arguments for --strace (strace's output format), and do the work; user pointers go through
// copy_to_user / copy_from_user (EFAULT, never trusted). This file joins the tables (a number
// claimed twice is a bug, caught at load) and dispatches an ecall to its entry.

import type { Hart } from "../../cpu/index.js";
import { ENOSYS, ERESTART_RESTARTBLOCK, ERESTARTSYS, errnoName, IS_ERR_VALUE, strerror } from "../errno.js";
import { COST, type Kernel } from "../kernel.js";
import { encode_raw } from "../lib/rawstr.js";
import type { Scheduler, task_struct } from "../process.js";
import { BLOCK } from "../wait.js";
import { type Ctx, type Syscall, type SyscallTable, s64 } from "./common.js";
import { fsSyscalls } from "./fs.js";
import { fsAttrSyscalls } from "./fs_attr.js";
import { mmSyscalls } from "./mm.js";
import { processSyscalls } from "./process.js";
import { schedSyscalls } from "./sched.js";
import { signalSyscalls } from "./signal.js";
import { sysSyscalls } from "./sys.js";
import { timeSyscalls } from "./time.js";

/** Join the areas' tables into one, refusing a number claimed by two of them. */
function joinTables(tables: SyscallTable[]): SyscallTable {
  const all: SyscallTable = {};
  for (const t of tables) {
    for (const [nr, sc] of Object.entries(t)) {
      const n = Number(nr);
      if (all[n]) throw new Error(`syscall table: ${n} is both ${all[n].name} and ${sc.name}`);
      all[n] = sc;
    }
  }
  return all;
}

const TABLE = joinTables([
  fsSyscalls,
  fsAttrSyscalls,
  mmSyscalls,
  processSyscalls,
  schedSyscalls,
  signalSyscalls,
  sysSyscalls,
  timeSyscalls,
]);

/** How many distinct unknown numbers a task has reported (once each): a guest trying every
 *  number must not grow the log or the set without bound. */
export const UNKNOWN_SYSCALLS_SHOWN = 64;

/** Handle the ecall of task `t` on hart `h` (a7 = number, a0..a5 = arguments, a0 = result). */
export function syscall(k: Kernel, s: Scheduler, t: task_struct, h: Hart): void {
  const a7 = BigInt.asIntN(64, h.reg(17)); // a long, as Linux reads it: printed exactly
  const nr = a7 >= 0n && a7 < 0x1_0000n ? Number(a7) : -1;
  const a = [10, 11, 12, 13, 14, 15].map((r) => h.reg(r));
  const sc = nr >= 0 ? TABLE[nr] : undefined;
  const tp = k.tracepoints;
  const c0 = k.machine.clocks[h.id] ?? 0;
  tp.sys_enter?.({ tid: t.pid, nr, args: a });
  k.charge(COST.syscall);
  if (!sc) {
    if (!t.unknownSyscalls.has(a7) && t.unknownSyscalls.size < UNKNOWN_SYSCALLS_SHOWN) {
      t.unknownSyscalls.add(a7);
      k.printk.info(`${t.comm}[${t.pid}]: unknown system call ${a7}: returning -ENOSYS`);
      if (t.unknownSyscalls.size === UNKNOWN_SYSCALLS_SHOWN)
        k.printk.info(`${t.comm}[${t.pid}]: further unknown system calls not reported`);
    }
    t.opts.strace?.(
      `syscall_${a7 >= 0n ? a7 : `0x${BigInt.asUintN(64, a7).toString(16)}`}(${a.map((x) => `0x${x.toString(16)}`).join(", ")}) = ${formatResult(-ENOSYS, false)}`,
    );
    h.setReg(10, -ENOSYS);
    tp.sys_exit?.({ tid: t.pid, nr, args: a, ret: -ENOSYS, cycles: (k.machine.clocks[h.id] ?? 0) - c0 });
    return;
  }
  const c: Ctx = { k, s, t, h, a };
  const shownArgs = t.opts.strace ? formatArgs(c, sc) : "";
  if (sc.noreturn) t.opts.strace?.(`${sc.name}(${shownArgs}) = ?`);
  t.orig_a0 = a[0]!;
  const r = sc.fn(c);
  // BLOCK: the task sleeps with its registers as they are; the call runs again when it wakes
  // (wait.ts). A restart code keeps the call's continuation for the restart; any other
  // result completes the call and drops it.
  if (r === BLOCK) return;
  if (!isRestart(r) && t.cont?.nr === nr) t.cont = null;
  if (t.running) h.setReg(10, r);
  if (t.running)
    tp.sys_exit?.({ tid: t.pid, nr, args: a, ret: r, cycles: (k.machine.clocks[h.id] ?? 0) - c0 });
  if (t.opts.strace && !sc.noreturn)
    t.opts.strace(`${sc.name}(${shownArgs}) = ${t.running ? formatResult(r, sc.hexResult === true) : "?"}`);
}

/** Is `r` one of the kernel's restart codes (-ERESTARTSYS .. -ERESTART_RESTARTBLOCK)? */
function isRestart(r: bigint): boolean {
  return r <= -ERESTARTSYS && r >= -ERESTART_RESTARTBLOCK;
}

function formatResult(r: bigint, hex: boolean): string {
  if (isRestart(r)) return `? ${errnoName(-r)} (${strerror(-r)})`;
  if (IS_ERR_VALUE(r)) return `-1 ${errnoName(-r)} (${strerror(-r)})`;
  return hex ? `0x${BigInt.asUintN(64, r).toString(16)}` : r.toString();
}

function formatArgs(c: Ctx, sc: Syscall): string {
  return sc.args
    .map((f, i): string | null => {
      const v = c.a[i]!;
      if (typeof f === "function") return f(v, c);
      if (f === "d") return s64(v).toString();
      if (f === "u") return v.toString();
      if (f === "x") return `0x${v.toString(16)}`;
      if (f === "p") return v === 0n ? "NULL" : `0x${v.toString(16)}`;
      if (f === "s") {
        const s = c.t.uaccess.strncpy_from_user(v, 256);
        return s === null ? `0x${v.toString(16)}` : quote(encode_raw(s));
      }
      if (f.startsWith("b")) {
        const len = Number(c.a[Number(f.slice(1))]!);
        const b = c.t.uaccess.copy_from_user(v, Math.min(len, 32));
        return b === null ? `0x${v.toString(16)}` : quote(b) + (len > 32 ? "..." : "");
      }
      return "";
    })
    .filter((x) => x !== null)
    .join(", ");
}

/** strace's string quoting: C escapes, octal for other non-printables. */
function quote(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x0a) s += "\\n";
    else if (c === 0x09) s += "\\t";
    else if (c === 0x0d) s += "\\r";
    else if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += "\\\\";
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${c.toString(8)}`;
  }
  return `${s}"`;
}

/** The system calls this kernel implements, by number (for documentation and tests). */
export function syscallNames(): Record<number, string> {
  return Object.fromEntries(Object.entries(TABLE).map(([n, s]) => [Number(n), s.name]));
}
