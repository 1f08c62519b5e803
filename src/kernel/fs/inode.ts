// Inode references (fs/inode.c): iget takes one, iput drops one and evicts the inode when no
// reference and no link is left, which is when tmpfs returns its pages.

import { BUG_ON } from "../bug.js";
import type { inode } from "./types.js";

/** Take a reference to `ino` (ihold). */
export function ihold(ino: inode): inode {
  ino.i_count++;
  return ino;
}

/** Drop a reference to `ino`; the last one of an unlinked inode evicts it. */
export function iput(ino: inode): void {
  BUG_ON(ino.i_count <= 0, "fs/inode.c:iput", () => `iput: inode ${ino.i_ino} has no reference`);
  ino.i_count--;
  iput_final(ino);
}

/** The inode lost its last reference or its last link: let its file system drop it (tmpfs
 *  evicts an unlinked inode nobody holds). */
export function iput_final(ino: inode): void {
  if (ino.i_count === 0) ino.drop();
}
