// Memory-management system calls: brk, munmap, mremap, mmap, mprotect, madvise (the work is in
// ../mm.ts).

import { EINVAL, ENOMEM } from "../errno.js";
import { fput } from "../fs/file_table.js";
import { do_mmap_file } from "../fs/filemap.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED } from "../mm.js";
import { type Ctx, type SyscallTable, s32 } from "./common.js";
import { adviceArg, mmapFlags, mremapFlags, protArg } from "./mm_strace.js";

/** The mapping type bits of mmap's flags. */
const MAP_TYPE = 0x0f;

/** MAP_SHARED | MAP_ANONYMOUS: a shared mapping of a new unlinked tmpfs file (shmem_zero_setup),
 *  so that fork's child and parent see one memory. The offset is ignored, as Linux ignores it. */
function mmap_shared_anon(c: Ctx, flags: number): bigint {
  const len = c.a[1]!;
  if (len === 0n || len > MAX_SHMEM) return len === 0n ? -EINVAL : -ENOMEM;
  const f = c.k.vfs.shmem_zero_setup(Number(len));
  if (typeof f === "bigint") return f;
  const m = { addr: c.a[0]!, len, prot: s32(c.a[2]!), flags: flags & ~MAP_ANONYMOUS, off: 0n };
  const r = do_mmap_file(c.t.mm, f, m, () => c.t.fs.root);
  fput(f); // the mapping holds its own reference
  return r;
}
/** The largest shared anonymous mapping: a file size this kernel keeps exactly. */
const MAX_SHMEM = BigInt(Number.MAX_SAFE_INTEGER);

export const mmSyscalls: SyscallTable = {
  214: { name: "brk", args: ["p"], fn: (c) => c.t.mm.do_brk(c.a[0]!), hexResult: true },
  215: { name: "munmap", args: ["p", "u"], fn: (c) => c.t.mm.do_munmap(c.a[0]!, c.a[1]!) },
  216: {
    name: "mremap",
    args: ["p", "u", "u", mremapFlags, "p"],
    fn: (c) => c.t.mm.do_mremap(c.a[0]!, c.a[1]!, c.a[2]!, s32(c.a[3]!), c.a[4]!),
    hexResult: true,
  },
  222: {
    name: "mmap",
    args: ["p", "u", protArg, mmapFlags, "d", "x"],
    fn: (c) => {
      const flags = s32(c.a[3]!);
      if (flags & MAP_ANONYMOUS) {
        if ((flags & MAP_TYPE) === MAP_PRIVATE) return c.t.mm.do_mmap(c.a[0]!, c.a[1]!, s32(c.a[2]!), flags);
        // An anonymous mapping is MAP_SHARED or MAP_PRIVATE: MAP_SHARED_VALIDATE and the rest
        // are EINVAL (MAP_DROPPABLE, Linux 6.11's, is not known here: EINVAL as before it).
        if ((flags & MAP_TYPE) !== MAP_SHARED) return -EINVAL;
        return mmap_shared_anon(c, flags);
      }
      const f = c.t.files.fget(s32(c.a[4]!));
      const m = { addr: c.a[0]!, len: c.a[1]!, prot: s32(c.a[2]!), flags, off: c.a[5]! };
      return do_mmap_file(c.t.mm, f, m, () => c.t.fs.root); // the file's checks are in fs/
    },
    hexResult: true,
  },
  226: {
    name: "mprotect",
    args: ["p", "u", protArg],
    fn: (c) => c.t.mm.do_mprotect(c.a[0]!, c.a[1]!, s32(c.a[2]!)),
  },
  233: {
    name: "madvise",
    args: ["p", "u", adviceArg],
    fn: (c) => c.t.mm.do_madvise(c.a[0]!, c.a[1]!, s32(c.a[2]!)),
  },
};
