// Memory-management system calls: brk, munmap, mremap, mmap, mprotect, madvise (the work is in
// ../mm.ts).

import { do_mmap_file } from "../fs/filemap.js";
import { MAP_ANONYMOUS } from "../mm.js";
import { type SyscallTable, s32 } from "./common.js";

export const mmSyscalls: SyscallTable = {
  214: { name: "brk", args: ["p"], fn: (c) => c.t.mm.do_brk(c.a[0]!), hexResult: true },
  215: { name: "munmap", args: ["p", "u"], fn: (c) => c.t.mm.do_munmap(c.a[0]!, c.a[1]!) },
  216: {
    name: "mremap",
    args: ["p", "u", "u", "x", "p"],
    fn: (c) => c.t.mm.do_mremap(c.a[0]!, c.a[1]!, c.a[2]!, s32(c.a[3]!), c.a[4]!),
    hexResult: true,
  },
  222: {
    name: "mmap",
    args: ["p", "u", "x", "x", "d", "x"],
    fn: (c) => {
      const flags = s32(c.a[3]!);
      if (flags & MAP_ANONYMOUS) return c.t.mm.do_mmap(c.a[0]!, c.a[1]!, s32(c.a[2]!), flags);
      const f = c.t.files.fget(s32(c.a[4]!));
      const m = { addr: c.a[0]!, len: c.a[1]!, prot: s32(c.a[2]!), flags, off: c.a[5]! };
      return do_mmap_file(c.t.mm, f, m, () => c.t.fs.root); // the file's checks are in fs/
    },
    hexResult: true,
  },
  226: {
    name: "mprotect",
    args: ["p", "u", "x"],
    fn: (c) => c.t.mm.do_mprotect(c.a[0]!, c.a[1]!, s32(c.a[2]!)),
  },
  233: {
    name: "madvise",
    args: ["p", "u", "d"],
    fn: (c) => c.t.mm.do_madvise(c.a[0]!, c.a[1]!, s32(c.a[2]!)),
  },
};
