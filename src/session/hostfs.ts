// The kernel's host file interface (src/kernel/fs/host.ts) on node:fs: what `--mount
// HOST:GUEST[:rw]` reaches. Reads and writes are at an offset (or at the stream's position for
// FIFOs and devices), in the caller's bounded buffers; directories are read one entry at a
// time (fs.opendirSync), so no host file or listing is ever held whole. Errors become their
// errno names (an unknown code: EIO). Paths and names are byte strings (src/kernel/lib/rawstr.ts):
// a host name that is not UTF-8 reaches the guest as its bytes, and the guest's bytes reach the host.

import {
  type BigIntStats,
  closeSync,
  constants,
  type Dir,
  type Dirent,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  opendirSync,
  openSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import {
  decode_raw,
  ERRNO,
  type ErrnoName,
  type HostFs,
  type HostResult,
  type HostStat,
} from "../kernel/index.js";
import { hostPath as hp } from "./hostfile.js";

/** The errno of a failed node:fs call. */
function errno(e: unknown): { errno: ErrnoName } {
  const code = (e as NodeJS.ErrnoException).code;
  return { errno: code && code in ERRNO ? (code as ErrnoName) : "EIO" };
}

/** Run `fn`, turning a thrown node:fs error into its errno. */
function call<T>(fn: () => T): HostResult<T> {
  try {
    return fn();
  } catch (e) {
    return errno(e);
  }
}

/** node:fs's bigint stat as the kernel's HostStat (sizes and numbers as numbers, times in ns). */
function hostStat(s: BigIntStats): HostStat {
  return {
    mode: Number(s.mode),
    dev: Number(s.dev),
    ino: Number(s.ino),
    nlink: Number(s.nlink),
    size: Number(s.size),
    rdev: Number(s.rdev),
    atimeNs: s.atimeNs,
    mtimeNs: s.mtimeNs,
    ctimeNs: s.ctimeNs,
  };
}

/** d_type of a directory entry. */
function dtype(d: Dirent): number {
  if (d.isDirectory()) return 4;
  if (d.isFile()) return 8;
  if (d.isSymbolicLink()) return 10;
  if (d.isFIFO()) return 1;
  if (d.isCharacterDevice()) return 2;
  if (d.isBlockDevice()) return 6;
  if (d.isSocket()) return 12;
  return 0;
}

/** A HostFs on node:fs. */
export function nodeHostFs(): HostFs {
  const dirs = new Map<number, Dir>();
  let nextDir = 1;
  return {
    stat: (p) => call(() => hostStat(statSync(hp(p), { bigint: true }))),
    lstat: (p) => call(() => hostStat(lstatSync(hp(p), { bigint: true }))),
    readlink: (p) => call(() => decode_raw(readlinkSync(hp(p), "buffer"))),
    opendir: (p) =>
      call(() => {
        const id = nextDir++;
        // Node's Dir gives each name as a Buffer with this encoding (its types say strings only).
        dirs.set(id, opendirSync(hp(p), { encoding: "buffer" as BufferEncoding }));
        return id;
      }),
    readdir: (id) =>
      call(() => {
        const d = dirs.get(id)?.readSync() ?? null;
        return d ? { name: decode_raw(d.name as unknown as Buffer), type: dtype(d) } : null;
      }),
    closedir: (id) => {
      dirs.get(id)?.closeSync();
      dirs.delete(id);
    },
    open: (p, f) =>
      call(() => {
        const acc = f.read && f.write ? constants.O_RDWR : f.write ? constants.O_WRONLY : constants.O_RDONLY;
        const flags =
          acc |
          (f.create ? constants.O_CREAT : 0) |
          (f.excl ? constants.O_EXCL : 0) |
          (f.trunc ? constants.O_TRUNC : 0);
        return openSync(hp(p), flags, f.mode);
      }),
    read: (fd, buf, pos) => call(() => readSync(fd, buf, 0, buf.length, pos)),
    write: (fd, data, pos) => call(() => writeSync(fd, data, 0, data.length, pos)),
    fstat: (fd) => call(() => hostStat(fstatSync(fd, { bigint: true }))),
    ftruncate: (fd, size) => call(() => ftruncateSync(fd, size)),
    close: (fd) => {
      call(() => closeSync(fd));
    },
    truncate: (p, size) => call(() => truncateSync(hp(p), size)),
    rename: (a, b) => call(() => renameSync(hp(a), hp(b))),
    unlink: (p) => call(() => unlinkSync(hp(p))),
    rmdir: (p) => call(() => rmdirSync(hp(p))),
    mkdir: (p, mode) => call(() => mkdirSync(hp(p), { mode })),
  };
}
