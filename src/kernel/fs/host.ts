// The host's files, as the kernel sees them: a small interface that src/cli implements with
// node:fs (and a web page can implement over its own storage), so that the core imports no
// node: module (DESIGN.md). It holds only what a `--mount HOST:GUEST[:rw]` needs: metadata,
// directory streams, reads and writes at an offset (never a whole file at once: a host FIFO or
// /dev/zero streams), and the namespace changes of a writable mount. Failures come back as
// Linux errno names, which the kernel turns into its -errno.

import type { ErrnoName } from "../errno.js";

/** A failed host call: the errno Linux would give. */
export interface HostErr {
  errno: ErrnoName;
}

/** What a host call returns: its value, or the errno. */
export type HostResult<T> = T | HostErr;

export function isHostErr<T>(r: HostResult<T>): r is HostErr {
  return typeof r === "object" && r !== null && "errno" in r;
}

/** The fields of a host stat the kernel uses (times in nanoseconds since the epoch). */
export interface HostStat {
  /** st_mode, file type bits included (S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR, ...). */
  mode: number;
  /** The host device holding the file: (dev, ino) names one host file. */
  dev: number;
  ino: number;
  nlink: number;
  size: number;
  /** Device number of a character or block device (st_rdev). */
  rdev: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** One directory entry: its name and its d_type (DT_REG 8, DT_DIR 4, DT_LNK 10, ...). */
export interface HostDirent {
  name: string;
  type: number;
}

/** How to open a host file (a subset of open(2)'s flags). */
export interface HostOpenFlags {
  write: boolean;
  read: boolean;
  create: boolean;
  excl: boolean;
  trunc: boolean;
  /** Permission bits for a created file. */
  mode: number;
}

/** The host file system. Paths are absolute host paths; handles are small integers. */
export interface HostFs {
  stat(path: string): HostResult<HostStat>;
  lstat(path: string): HostResult<HostStat>;
  readlink(path: string): HostResult<string>;
  /** A directory stream: entries come one at a time, so no listing is held whole. */
  opendir(path: string): HostResult<number>;
  /** The next entry, or null at the end ("." and ".." are not returned). */
  readdir(dir: number): HostResult<HostDirent | null>;
  closedir(dir: number): void;
  open(path: string, flags: HostOpenFlags): HostResult<number>;
  /** Read up to buf.length bytes at `pos` (null: at the stream's position, for FIFOs and
   *  devices); 0 at end of file. */
  read(fd: number, buf: Uint8Array, pos: number | null): HostResult<number>;
  /** Write `data` at `pos` (null: at the stream's position); returns the bytes written. */
  write(fd: number, data: Uint8Array, pos: number | null): HostResult<number>;
  fstat(fd: number): HostResult<HostStat>;
  ftruncate(fd: number, size: number): HostResult<void>;
  close(fd: number): void;
  truncate(path: string, size: number): HostResult<void>;
  rename(from: string, to: string): HostResult<void>;
  unlink(path: string): HostResult<void>;
  rmdir(path: string): HostResult<void>;
  mkdir(path: string, mode: number): HostResult<void>;
}

/** A host directory or file mounted into the guest's namespace. */
export interface Mount {
  host: string;
  guest: string;
  /** Writes reach the host (`HOST:GUEST:rw`); read-only otherwise. */
  rw: boolean;
}

/** Parse `HOST:GUEST` or `HOST:GUEST:rw` / `HOST:GUEST:ro`. */
export function parseMount(spec: string): Mount {
  let rest = spec;
  let rw = false;
  const m = /:(rw|ro)$/.exec(spec);
  if (m) {
    rw = m[1] === "rw";
    rest = spec.slice(0, -3);
  }
  const i = rest.lastIndexOf(":");
  if (i <= 0 || i === rest.length - 1)
    throw new Error(`--mount expects HOST:GUEST, got '${spec}' (HOST:GUEST:rw for a writable mount)`);
  const guest = rest.slice(i + 1);
  if (!guest.startsWith("/")) throw new Error(`--mount: the guest path must be absolute, got '${guest}'`);
  return { host: rest.slice(0, i), guest, rw };
}
