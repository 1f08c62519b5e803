// execve, after fs/exec.c and fs/binfmt_script.c: the program is opened through the caller's
// fs_struct (the in-kernel tmpfs or a --mount), read whole, and either loaded (a static ELF,
// binfmt_elf.ts) or, for a "#!" script, its interpreter is executed with the script's name
// inserted into argv. The new image is built in a new mm_struct while the old one is still
// there, so a failure returns an errno to a caller that is unchanged (Linux's point of no
// return comes later than ours: it kills the task instead). Then the task drops its other
// threads, its old memory (releasing a vfork parent), its close-on-exec descriptors and its
// handlers (SIG_IGN stays), and starts at the entry point.

import type { Hart } from "../cpu/index.js";
import { ExecError, load_elf_binary, parseExecutable } from "./binfmt_elf.js";
import { E2BIG, EFAULT, ELOOP, ENOENT, ENOEXEC, ENOMEM } from "./errno.js";
import { mm_release, setmax_mm_hiwater_rss } from "./exit.js";
import { open_exec, type path } from "./fs/index.js";
import { decode_raw, encode_raw } from "./lib/rawstr.js";
import { exit_itimers } from "./posix_timers.js";
import type { Scheduler, task_struct } from "./process.js";
import { SS_DISABLE } from "./signal.js";
import { UserAccess } from "./uaccess.js";

/** MAX_ARG_STRLEN: one argument or environment string (32 pages). */
export const MAX_ARG_STRLEN = 32 * 4096;
/** The most bytes of strings and pointers exec takes: a quarter of the 8 MiB stack limit
 *  (fs/exec.c bprm_stack_limits). */
export const ARG_MAX = (8 << 20) / 4;
/** BINPRM_BUF_SIZE: how much of a file the "#!" line may take. */
const BINPRM_BUF_SIZE = 256;
/** How deep interpreters may nest (search_binary_handler's depth limit). */
const MAX_INTERP_DEPTH = 5;

/** copy_strings(): the NUL-terminated strings of the NULL-terminated pointer array at `va`
 *  (NULL: none), or an errno (EFAULT, E2BIG past MAX_ARG_STRLEN or `budget` bytes). */
export function copy_strings(t: task_struct, va: bigint, budget: { left: number }): string[] | bigint {
  const out: string[] = [];
  if (va === 0n) return out;
  for (let i = 0; ; i++) {
    const p = t.uaccess.get_u64(va + BigInt(i * 8));
    if (p === null) return -EFAULT;
    if (p === 0n) return out;
    const s = t.uaccess.strncpy_from_user(p, MAX_ARG_STRLEN + 1);
    if (s === null) return -EFAULT;
    const bytes = encode_raw(s).length + 1;
    if (bytes > MAX_ARG_STRLEN) return -E2BIG;
    budget.left -= bytes + 8;
    if (budget.left < 0) return -E2BIG;
    out.push(s);
  }
}

/** A "#!" line (load_script): the interpreter and its one optional argument, null if the file
 *  is not a script, or ENOEXEC for a line with no interpreter or one cut by BINPRM_BUF_SIZE. */
export function parse_shebang(bytes: Uint8Array): { interp: string; arg: string | null } | null | bigint {
  if (bytes.length < 2 || bytes[0] !== 0x23 || bytes[1] !== 0x21) return null;
  const buf = bytes.subarray(2, BINPRM_BUF_SIZE);
  let end = buf.indexOf(0x0a);
  const cut = end < 0;
  if (cut) end = buf.length;
  const line = decode_raw(buf.subarray(0, end)).replace(/\0.*$/, "");
  const m = /^[ \t]*([^ \t]*)[ \t]*(.*?)[ \t]*$/.exec(line)!;
  const interp = m[1]!;
  if (!interp) return -ENOEXEC;
  // A line the buffer cut is accepted only if the interpreter's name ended inside it.
  if (cut && m[2] === "" && line.length === buf.length) return -ENOEXEC;
  return { interp, arg: m[2] ? m[2] : null };
}

/** do_execveat_common(): replace `t`'s program by `filename` (looked up from the cwd, or as
 *  `at` says for execveat) with `argv` and `envp`. 0 with the hart set to enter the new
 *  program, or an errno with the task unchanged. Called from a thread other than the leader,
 *  the thread becomes the leader (de_thread). */
export function do_execve(
  s: Scheduler,
  t: task_struct,
  h: Hart,
  filename: string,
  argv: string[],
  envp: string[],
  at: ExecAt | null = null,
): bigint {
  let name = filename;
  let args = argv;
  let bytes: Uint8Array | bigint = 0n;
  for (let depth = 0; ; depth++) {
    if (depth > MAX_INTERP_DEPTH) return -ELOOP;
    // execveat's start and flags hold for the program named, not for its interpreters.
    const found = depth === 0 && at ? open_exec(t.fs, at.name, at) : open_exec(t.fs, name);
    if (typeof found === "bigint") return found;
    bytes = found.bytes;
    const script = parse_shebang(bytes);
    if (typeof script === "bigint") return script;
    if (!script) break;
    // A script reached through a close-on-exec descriptor cannot be opened by its
    // interpreter once the descriptor is closed (BINPRM_FLAGS_PATH_INACCESSIBLE).
    if (depth === 0 && at?.cloexec) return -ENOENT;
    args = [script.interp, ...(script.arg !== null ? [script.arg] : []), name, ...args.slice(1)];
    name = script.interp;
  }
  let elf: ReturnType<typeof parseExecutable>;
  try {
    elf = parseExecutable(bytes, name);
  } catch (e) {
    if (e instanceof ExecError) return -ENOEXEC;
    throw e;
  }
  const mm = s.mm_alloc();
  const ua = new UserAccess(s.k, mm, () => s.thp);
  s.use_mm(h, mm);
  let img: ReturnType<typeof load_elf_binary>;
  try {
    img = load_elf_binary(s.k, mm, elf, args, envp, filename, s.random(16), (va, data) =>
      ua.copy_to_user(va, data),
    );
  } catch (e) {
    s.use_mm(h, t.mm);
    s.mmput(mm);
    if (e instanceof ExecError) return -ENOMEM;
    throw e;
  }
  // The point of no return: the rest of the old image goes (in its own address space).
  s.use_mm(h, t.mm);
  de_thread(s, t);
  mm_release(s, t);
  const old = t.mm;
  setmax_mm_hiwater_rss(t);
  t.set_mm(mm);
  s.use_mm(h, mm);
  s.mmput(old);
  exit_itimers(s, t); // POSIX timers do not survive exec (setitimer's do)
  t.files = t.files.unshare_files();
  t.files.do_close_on_exec();
  // unshare_sighand (the handlers may be shared by CLONE_SIGHAND), then flush_signal_handlers:
  // caught signals back to SIG_DFL, ignored ones stay; no alternate stack.
  t.sighand = t.sighand.copy();
  t.sighand.flush_handlers();
  t.signals.sas_ss_sp = 0n;
  t.signals.sas_ss_size = 0n;
  t.signals.sas_ss_flags = SS_DISABLE;
  t.did_exec = true;
  t.comm = (filename.split("/").pop() ?? filename).slice(0, 15);
  t.opts = { ...t.opts, elf: bytes, path: filename, argv: args, envp };
  t.robust_list = 0n;
  // start_thread(): every register zero but sp, the pc at the entry, FP state clear.
  h.x.fill(0);
  h.setReg(2, img.sp);
  h.f.fill(0);
  h.fflags = 0;
  h.frm = 0;
  h.sepc = img.entry;
  // exec_binprm's ptrace_event(PTRACE_EVENT_EXEC): a debugger that asked is told, and the task
  // stops at the new program's first instruction.
  if (!t.ptrace_detached && s.ptrace?.(t, { kind: "exec", path: filename })) s.ptraceStop = t;
  return 0n;
}

/** The other threads of an exec'ing group die (de_thread: zap_other_threads); they share its
 *  memory, so they exit here, from its context. A thread other than the leader then takes
 *  the leader's place: its pid, its parent and its place among the parent's children, and
 *  the old leader (a zombie now) is released, as Linux's de_thread exchanges them. */
function de_thread(s: Scheduler, t: task_struct): void {
  for (const o of [...t.sig.thread_head]) if (o !== t) s.exitTask(o, 128 + 9, 9);
  const leader = t.group_leader;
  if (leader === t) return;
  const parent = leader.real_parent;
  const siblings = parent?.sig.children ?? [];
  const at = siblings.indexOf(leader);
  leader.exit_state = "dead";
  s.forget(leader);
  s.change_pid(t, leader.pid);
  t.group_leader = t;
  t.real_parent = parent;
  t.exit_signal = leader.exit_signal;
  leader.exit_signal = -1;
  if (at >= 0) siblings[at] = t;
  if (s.init === leader) s.init = t;
}

/** execveat's first lookup: from `start` (the working directory, a directory descriptor's,
 *  or with `empty` the descriptor's file itself), `nofollow` for AT_SYMLINK_NOFOLLOW;
 *  `cloexec` when that descriptor is close-on-exec. */
export interface ExecAt {
  name: string;
  start: path;
  empty: boolean;
  nofollow: boolean;
  cloexec: boolean;
}
