// Files for user processes: stdin, stdout and stderr, and read-only host directories mounted
// into the guest's namespace (`--mount HOST:GUEST`). A file is read whole at open (these are
// small inputs for test programs), so reads, lseek and fstat are simple and deterministic.

import { readFileSync, statSync } from "node:fs";
import { posix } from "node:path";
import { EACCES, EISDIR, ENOENT, ENOTDIR, EROFS } from "./errno.js";

export interface Mount {
  host: string;
  guest: string;
}

export type OpenFile =
  | { kind: "stdin" }
  | { kind: "stdout"; fd: 1 | 2 }
  | { kind: "file"; path: string; data: Uint8Array; pos: number; mode: number; mtimeSec: number };

export const S_IFREG = 0o100000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_IFDIR = 0o040000;

export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_DIRECTORY = 0o200000;

/** Map a guest path to a host path through the mounts, or null. */
export function resolveMount(mounts: readonly Mount[], guestPath: string): string | null {
  const p = posix.normalize(guestPath.startsWith("/") ? guestPath : `/${guestPath}`);
  for (const m of mounts) {
    const g = posix.normalize(m.guest);
    if (p === g || p.startsWith(g.endsWith("/") ? g : `${g}/`)) return m.host + p.slice(g.length);
  }
  return null;
}

/** Open `guestPath` read-only: an OpenFile or a negative errno. */
export function openHost(mounts: readonly Mount[], guestPath: string, flags: number): OpenFile | bigint {
  const host = resolveMount(mounts, guestPath);
  if (host === null) return -ENOENT;
  if ((flags & O_ACCMODE) !== 0 || flags & O_CREAT) return -EROFS; // mounts are read-only
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(host);
  } catch {
    return -ENOENT;
  }
  if (st.isDirectory()) return -EISDIR; // no getdents here
  if (flags & O_DIRECTORY) return -ENOTDIR;
  try {
    return {
      kind: "file",
      path: guestPath,
      data: new Uint8Array(readFileSync(host)),
      pos: 0,
      mode: S_IFREG | (Number(st.mode) & 0o777),
      mtimeSec: Math.floor(Number(st.mtimeMs) / 1000),
    };
  } catch {
    return -EACCES;
  }
}

/** Parse `HOST:GUEST`. */
export function parseMount(spec: string): Mount {
  const i = spec.lastIndexOf(":");
  if (i <= 0 || i === spec.length - 1) throw new Error(`--mount expects HOST:GUEST, got '${spec}'`);
  const guest = spec.slice(i + 1);
  if (!guest.startsWith("/")) throw new Error(`--mount: the guest path must be absolute, got '${guest}'`);
  return { host: spec.slice(0, i), guest };
}
