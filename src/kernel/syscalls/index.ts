// System calls by their Linux riscv64 numbers (include/uapi/asm-generic/unistd.h). Each area's
// file (fs, mm, process, signal, time, sys) exports a table whose entries name the call, describe
// its arguments for --strace (strace's output format), and do the work; user pointers go through
// copy_to_user / copy_from_user (EFAULT, never trusted). This file joins the tables (a number
// claimed twice is a bug, caught at load) and dispatches an ecall to its entry.

import type { Hart } from "../../cpu/index.js";
import { ENOSYS, errnoName, IS_ERR_VALUE, strerror } from "../errno.js";
import { COST, type Kernel } from "../kernel.js";
import type { Scheduler, task_struct } from "../process.js";
import { BLOCK } from "../wait.js";
import { type Ctx, enc, type Syscall, type SyscallTable, s64 } from "./common.js";
import { fsSyscalls } from "./fs.js";
import { mmSyscalls } from "./mm.js";
import { processSyscalls } from "./process.js";
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
  mmSyscalls,
  processSyscalls,
  signalSyscalls,
  sysSyscalls,
  timeSyscalls,
]);

/** Handle the ecall of task `t` on hart `h` (a7 = number, a0..a5 = arguments, a0 = result).
 *  Returns the result, or BLOCK when the call sleeps: a0 is then left alone and the call runs
 *  again, from the top, when the task wakes (wait.ts); its continuation record is dropped when
 *  it completes. */
export function syscall(k: Kernel, s: Scheduler, t: task_struct, h: Hart): bigint {
  const nr = Number(h.reg(17));
  const a = [10, 11, 12, 13, 14, 15].map((r) => h.reg(r));
  const sc = TABLE[nr];
  k.charge(COST.syscall);
  if (!sc) {
    if (!t.unknownSyscalls.has(nr)) {
      t.unknownSyscalls.add(nr);
      k.printk.info(`${t.comm}[${t.pid}]: unknown system call ${nr}: returning -ENOSYS`);
    }
    t.opts.strace?.(
      `syscall_${nr}(${a.map((x) => `0x${x.toString(16)}`).join(", ")}) = ${formatResult(-ENOSYS, false)}`,
    );
    h.setReg(10, -ENOSYS);
    return -ENOSYS;
  }
  const c: Ctx = { k, s, t, h, a };
  const shownArgs = t.opts.strace ? formatArgs(c, sc) : "";
  if (sc.noreturn) t.opts.strace?.(`${sc.name}(${shownArgs}) = ?`);
  const r = sc.fn(c);
  if (r === BLOCK) return r;
  if (t.cont?.nr === nr) t.cont = null; // the call completed: its continuation goes
  if (t.running) h.setReg(10, r);
  if (t.opts.strace && !sc.noreturn)
    t.opts.strace(`${sc.name}(${shownArgs}) = ${formatResult(r, sc.hexResult === true)}`);
  return r;
}

function formatResult(r: bigint, hex: boolean): string {
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
        return s === null ? `0x${v.toString(16)}` : quote(enc.encode(s));
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
