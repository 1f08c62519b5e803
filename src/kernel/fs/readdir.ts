// getdents64 (fs/readdir.c): a directory's entries as struct linux_dirent64 records, as many
// as fit in the caller's buffer, from the file's position (a cookie), which moves past them.

import { EINVAL, ENOTDIR } from "../errno.js";
import { encode_raw } from "../lib/rawstr.js";
import type { file } from "./types.js";

/** The record length of a name of `n` bytes: 8 + 8 + 2 + 1 + n + NUL, 8-aligned. */
const reclen = (n: number): number => (19 + n + 1 + 7) & ~7;

/** The records that fit in `count` bytes, and the file position after them; -EINVAL when not
 *  even the first fits, -ENOTDIR for a file that is not a directory. */
export function iterate_dir(f: file, count: number): Uint8Array | bigint {
  if (!f.f_op.iterate) return -ENOTDIR;
  const out = new Uint8Array(Math.min(count, 1 << 16));
  const view = new DataView(out.buffer);
  let used = 0;
  let tooSmall = false;
  const r = f.f_op.iterate(f, f.f_pos, (e, next) => {
    const name = encode_raw(e.name);
    const len = reclen(name.length);
    if (used + len > out.length) {
      tooSmall = used === 0;
      return false;
    }
    view.setBigUint64(used, BigInt(e.ino), true);
    view.setBigInt64(used + 8, BigInt(next), true);
    view.setUint16(used + 16, len, true);
    view.setUint8(used + 18, e.type);
    out.set(name, used + 19);
    used += len;
    f.f_pos = next;
    return true;
  });
  if (r < 0n) return r;
  if (tooSmall) return -EINVAL;
  return out.subarray(0, used);
}
