// How strace prints the arguments of the memory calls: mmap's prot and flags, madvise's advice,
// mremap's flags (the values of include/uapi/asm-generic/mman-common.h and linux/mman.h, which
// riscv64 uses unchanged).

import type { Fmt } from "./common.js";
import { s32 } from "./common.js";
import { flags, named } from "./fs_strace.js";

const PROT_FLAGS = [
  [0x1, "PROT_READ"],
  [0x2, "PROT_WRITE"],
  [0x4, "PROT_EXEC"],
  [0x8, "PROT_SEM"],
  [0x0100_0000, "PROT_GROWSDOWN"],
  [0x0200_0000, "PROT_GROWSUP"],
] as const;

/** mmap/mprotect's prot: PROT_READ|PROT_WRITE, or PROT_NONE. */
export const protArg: Fmt = (v) => flags(s32(v), PROT_FLAGS, "PROT_NONE");

const MAP_TYPES: Readonly<Record<number, string>> = {
  1: "MAP_SHARED",
  2: "MAP_PRIVATE",
  3: "MAP_SHARED_VALIDATE",
  8: "MAP_DROPPABLE",
};
const MAP_FLAGS = [
  [0x10, "MAP_FIXED"],
  [0x20, "MAP_ANONYMOUS"],
  [0x100, "MAP_GROWSDOWN"],
  [0x800, "MAP_DENYWRITE"],
  [0x1000, "MAP_EXECUTABLE"],
  [0x2000, "MAP_LOCKED"],
  [0x4000, "MAP_NORESERVE"],
  [0x8000, "MAP_POPULATE"],
  [0x10000, "MAP_NONBLOCK"],
  [0x20000, "MAP_STACK"],
  [0x40000, "MAP_HUGETLB"],
  [0x80000, "MAP_SYNC"],
  [0x100000, "MAP_FIXED_NOREPLACE"],
  [0x4000000, "MAP_UNINITIALIZED"],
] as const;

/** mmap's flags: the mapping type (the low four bits), then the flags, as MAP_PRIVATE|MAP_ANONYMOUS. */
export const mmapFlags: Fmt = (v) => {
  const f = s32(v);
  const type = MAP_TYPES[f & 0xf] ?? `0x${(f & 0xf).toString(16)}`;
  const rest = flags(f & ~0xf, MAP_FLAGS, "");
  return rest ? `${type}|${rest}` : type;
};

/** mremap's flags. */
export const mremapFlags: Fmt = (v) =>
  flags(
    s32(v),
    [
      [1, "MREMAP_MAYMOVE"],
      [2, "MREMAP_FIXED"],
      [4, "MREMAP_DONTUNMAP"],
    ],
    "0",
  );

/** madvise's advice. */
export const adviceArg: Fmt = named({
  0: "MADV_NORMAL",
  1: "MADV_RANDOM",
  2: "MADV_SEQUENTIAL",
  3: "MADV_WILLNEED",
  4: "MADV_DONTNEED",
  8: "MADV_FREE",
  9: "MADV_REMOVE",
  10: "MADV_DONTFORK",
  11: "MADV_DOFORK",
  12: "MADV_MERGEABLE",
  13: "MADV_UNMERGEABLE",
  14: "MADV_HUGEPAGE",
  15: "MADV_NOHUGEPAGE",
  16: "MADV_DONTDUMP",
  17: "MADV_DODUMP",
  18: "MADV_WIPEONFORK",
  19: "MADV_KEEPONFORK",
  20: "MADV_COLD",
  21: "MADV_PAGEOUT",
  22: "MADV_POPULATE_READ",
  23: "MADV_POPULATE_WRITE",
  24: "MADV_DONTNEED_LOCKED",
  25: "MADV_COLLAPSE",
  100: "MADV_HWPOISON",
  101: "MADV_SOFT_OFFLINE",
  102: "MADV_GUARD_INSTALL",
  103: "MADV_GUARD_REMOVE",
});
