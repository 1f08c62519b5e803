// Signal system calls: tgkill, rt_sigaction, rt_sigprocmask.

import { EFAULT, EINVAL, ESRCH } from "../errno.js";
import { put, type SyscallTable, s32, u64s } from "./common.js";
import { exit } from "./process.js";

export const signalSyscalls: SyscallTable = {
  131: {
    name: "tgkill",
    args: ["d", "d", "d"],
    fn: (c) => {
      // kernel/signal.c: tgid and tid must be positive, the task must exist, and the signal
      // valid (1.._NSIG; 0 only checks); any other signal here ends the sender (no delivery
      // yet: its default action).
      const [tgid, tid, sig] = [s32(c.a[0]!), s32(c.a[1]!), s32(c.a[2]!)];
      if (tgid <= 0 || tid <= 0) return -EINVAL;
      if (tid !== c.t.pid || tgid !== c.t.pid) return -ESRCH;
      if (sig < 0 || sig > 64) return -EINVAL;
      return sig === 0 ? 0n : exit(c, 128 + sig, sig);
    },
  },
  134: {
    name: "rt_sigaction",
    args: ["d", "p", "p", "u"],
    fn: (c) => {
      const sig = s32(c.a[0]!);
      if (sig < 1 || sig > 64 || sig === 9 || sig === 19) return -EINVAL;
      if (c.a[2] !== 0n && put(c, c.a[2]!, u64s(c.t.sigactions.get(sig) ?? 0n, 0n, 0n, 0n)) !== 0n)
        return -EFAULT;
      if (c.a[1] !== 0n) {
        const h = c.t.uaccess.get_u64(c.a[1]!);
        if (h === null) return -EFAULT;
        c.t.sigactions.set(sig, h);
      }
      return 0n;
    },
  },
  135: {
    name: "rt_sigprocmask",
    args: ["d", "p", "p", "u"],
    fn: (c) => (c.a[2] !== 0n ? put(c, c.a[2]!, new Uint8Array(8)) : 0n),
  },
};
