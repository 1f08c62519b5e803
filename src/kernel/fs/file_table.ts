// Open files (fs/file_table.c): alloc_file makes a struct file holding a reference to its
// inode; get_file and fput count the descriptors and other holders, and the last fput
// releases the file (a pipe end closes, an unlinked tmpfs file frees its pages).

import { BUG_ON } from "../bug.js";
import { ihold, iput } from "./inode.js";
import { file, type file_operations, type path } from "./types.js";

/** A new open file on `p` with `f_flags` and `f_mode`, one reference. */
export function alloc_file(p: path, f_flags: number, f_mode: number, fops: file_operations): file {
  ihold(p.dentry.d_inode);
  return new file(p, f_flags, f_mode, fops);
}

/** Take another reference to `f` (a dup, a fork, a mapping). */
export function get_file(f: file): file {
  BUG_ON(f.f_count <= 0, "fs/file_table.c:get_file", "get_file of a released file");
  f.f_count++;
  return f;
}

/** Drop a reference to `f`; the last one releases it. */
export function fput(f: file): void {
  BUG_ON(f.f_count <= 0, "fs/file_table.c:fput", "fput of a released file");
  if (--f.f_count > 0) return;
  f.f_op.release?.(f);
  iput(f.f_inode);
}
