// System-wide calls: uname, sysinfo, getrandom.

import { EFAULT, EINVAL } from "../errno.js";
import { PAGE_SIZE } from "../layout.js";
import { enc, type Fmt, put, type SyscallTable, s32 } from "./common.js";
import { flags } from "./fs_strace.js";

/** getrandom's flags (include/uapi/linux/random.h). */
const GRND_NONBLOCK = 1;
const GRND_RANDOM = 2;
const GRND_INSECURE = 4;
const grndFlags: Fmt = (v) =>
  flags(
    s32(v),
    [
      [GRND_NONBLOCK, "GRND_NONBLOCK"],
      [GRND_RANDOM, "GRND_RANDOM"],
      [GRND_INSECURE, "GRND_INSECURE"],
    ],
    "0",
  );

export const sysSyscalls: SyscallTable = {
  160: {
    name: "uname",
    args: ["p"],
    fn: (c) => {
      const b = new Uint8Array(65 * 6);
      for (const [i, s] of ["Linux", "mmlab", "6.19.0-mmlab", "#1 SMP", "riscv64", "(none)"].entries()) {
        b.set(enc.encode(s), i * 65);
      }
      return put(c, c.a[0]!, b);
    },
  },
  179: {
    name: "sysinfo",
    args: ["p"],
    fn: (c) => {
      const b = new Uint8Array(112);
      const v = new DataView(b.buffer);
      v.setBigInt64(0, BigInt(Math.floor(c.k.seconds())), true);
      v.setBigUint64(32, BigInt(c.k.pages.nrPages * PAGE_SIZE), true); // totalram
      v.setBigUint64(40, BigInt(c.k.pages.nr_free_pages() * PAGE_SIZE), true); // freeram
      v.setUint16(80, c.s.tasks.filter((x) => x.running).length, true); // procs
      v.setUint32(104, 1, true); // mem_unit
      return put(c, c.a[0]!, b);
    },
  },
  278: {
    name: "getrandom",
    args: ["p", "u", grndFlags],
    fn: (c) => {
      // drivers/char/random.c: unknown flags, or GRND_RANDOM with GRND_INSECURE, are EINVAL.
      const flags = Number(c.a[2]! & 0xffff_ffffn); // an unsigned int
      if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
      if ((flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
      const n = Math.min(Number(c.a[1]!), 1 << 20);
      return c.t.uaccess.copy_to_user(c.a[0]!, c.s.random(n)) ? BigInt(n) : -EFAULT;
    },
  },
};
