// Reading a file the user names (a program, a script, a TLB or points file, a saved result):
// what mmlab reads whole, it reads with a bound, and what it cannot read that way (a directory,
// a device such as /dev/zero, a FIFO where a file is expected, a file larger than the bound) it
// refuses up front with one line naming the file, instead of hanging or filling host memory.

import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { encode_raw, has_raw_bytes } from "../kernel/index.js";

/** The largest program mmlab reads (it reads an executable whole): 256 MiB. */
export const MAX_PROGRAM_BYTES = 256 << 20;
/** The largest text input (a script, a TLB or points file, a saved result): 64 MiB. */
export const MAX_TEXT_BYTES = 64 << 20;

/** A file that cannot be read as asked: the message is "PATH: why"; `code` is the host's
 *  (ENOENT, EACCES, ...) or "EINVAL" for a refusal of mmlab's own. */
export class HostFileError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface ReadLimits {
  /** Refuse a file (or a stream) longer than this. */
  max: number;
  /** Read a FIFO or pipe (as `cat` does: up to its end or the bound); refused otherwise. */
  stream?: boolean;
}

/** Paths naming a descriptor the shell has open: /dev/stdin, /dev/fd/N, /proc/self/fd/N. */
const OPEN_PIPE = /^\/(dev\/stdin|dev\/fd\/\d+|proc\/self\/fd\/\d+)$/;

/** A path for node:fs: `path` itself, or its bytes when it holds bytes that are not UTF-8
 *  (src/kernel/lib/rawstr.ts: an argument or a guest's path name that is not UTF-8). */
export function hostPath(path: string): string | Buffer {
  return has_raw_bytes(path) ? Buffer.from(encode_raw(path)) : path;
}

/** The kind of a non-regular file, for the message. */
function kindOf(st: Stats, stream: boolean): string {
  if (st.isDirectory()) return "is a directory";
  if (st.isFIFO()) return `is a FIFO, not a regular file${stream ? " (pipe it into '-' instead)" : ""}`;
  if (st.isCharacterDevice()) return "is a character device, not a regular file";
  if (st.isBlockDevice()) return "is a block device, not a regular file";
  if (st.isSocket()) return "is a socket, not a regular file";
  return "is not a regular file";
}

/** The bytes of host file `path` (or of descriptor 0 for "-" when streams are allowed), read
 *  with `limits`; a HostFileError saying why not. */
export function readHostFile(path: string, limits: ReadLimits): Uint8Array {
  const fail = (why: string, code: string): never => {
    throw new HostFileError(`${path}: ${why}`, code);
  };
  let fd: number;
  if (path === "-" && limits.stream) fd = 0;
  else {
    let st: Stats;
    try {
      st = statSync(hostPath(path));
    } catch (e) {
      return fail(hostReason(e), (e as NodeJS.ErrnoException).code ?? "EIO");
    }
    // A pipe already open (stdin, /dev/fd/N from the shell's <(...)) is read as it comes; a
    // named FIFO would block the open until some writer came, so it is refused.
    const streamOk = limits.stream === true && st.isFIFO() && OPEN_PIPE.test(path);
    if (!st.isFile() && !streamOk)
      fail(kindOf(st, limits.stream === true), st.isDirectory() ? "EISDIR" : "EINVAL");
    if (st.isFile() && st.size > limits.max) fail(tooLarge(st.size, limits.max), "EFBIG");
    try {
      fd = openSync(hostPath(path), "r");
    } catch (e) {
      return fail(hostReason(e), (e as NodeJS.ErrnoException).code ?? "EIO");
    }
  }
  try {
    return readBounded(fd, limits.max, () => fail(tooLarge(null, limits.max), "EFBIG"));
  } catch (e) {
    if (e instanceof HostFileError) throw e;
    return fail(hostReason(e), (e as NodeJS.ErrnoException).code ?? "EIO");
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Read `fd` to its end in chunks, calling `over` once more than `max` bytes have come. A file
 *  read whole by its first read (its size as fstat said) is returned as read, not copied: a copy
 *  of a 420 KB glibc program touched ~100 fresh host pages more (about 12 us each here). */
function readBounded(fd: number, max: number, over: () => never): Uint8Array {
  const st = fstatSync(fd);
  const size = st.isFile() ? st.size : 0;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(Math.min(Math.max(size - total, 64 << 10), max + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(PAUSE, 0, 0, 10); // a non-blocking stdin with nothing yet: wait 10 ms
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > max) over();
    chunks.push(chunk.subarray(0, n));
  }
  const first = chunks[0];
  if (chunks.length === 1 && first!.length === first!.buffer.byteLength) return first!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function tooLarge(size: number | null, max: number): string {
  const mib = (n: number): string => `${Math.ceil(n / (1 << 20))} MiB`;
  return `${size === null ? "" : `${mib(size)}, `}more than the ${mib(max)} mmlab reads`;
}

/** The host's error as a short reason: "no such file", "permission denied", ... */
function hostReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return "no such file";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "too many levels of symbolic links";
  if (code === "ENAMETOOLONG") return "file name too long";
  return (e as Error).message;
}

/** mkdir -p `dir`: the missing directories made from the top down; the first error is thrown
 *  (ENOENT, EACCES, ENOTDIR). Not Node's mkdirSync({recursive: true}), which never returns for
 *  a path under /proc (it retries the ENOENT there for ever). */
export function makeDirs(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; !existsSync(p); p = dirname(p)) {
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
  if (!statSync(abs).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${abs}'`), {
      code: "ENOTDIR",
      path: abs,
    });
  }
}
