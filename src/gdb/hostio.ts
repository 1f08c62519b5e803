// Host I/O (gdb manual, "Host I/O Packets"): the vFile packets through which gdb reads the
// program's files from the target when its sysroot is `target:` (the default): the executable
// it is told about by qXfer:exec-file or an exec stop, and anything else it opens. The files
// are read-only here: opening for writing, pwrite and unlink answer EROFS.

import { fromHex } from "./rsp.js";
import type { Target } from "./target.js";

/** gdb's errno values for File-I/O (gdb manual, "Errno Values"). */
const FILEIO_ERRNO: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  EBADF: 9,
  EACCES: 13,
  EFAULT: 14,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  EROFS: 30,
  ENAMETOOLONG: 91,
};
/** EUNKNOWN, for an errno gdb has no number for. */
const FILEIO_EUNKNOWN = 9999;
/** gdb's open flags: the access mode is the low two bits (O_RDONLY 0). */
const FILEIO_O_ACCMODE = 3;
/** Open files at once, at most (EMFILE past it). */
const MAX_FILES = 64;
/** S_IFREG | 0444, the mode fstat reports. */
const MODE_REG_RO = 0o100444;

const enc = new TextEncoder();

/** The open files of one connection: fd → the file's bytes. */
export class HostIo {
  private readonly files = new Map<number, Uint8Array>();

  constructor(private readonly t: Target) {}

  /** The reply to a `vFile:OP:args` packet, or "" for an operation not supported. */
  answer(op: string, args: string[]): string | Uint8Array {
    switch (op) {
      case "setfs":
        // Every process of the target sees one namespace: any pid names it.
        return "F0";
      case "open":
        return this.open(args);
      case "pread":
        return this.pread(args);
      case "close": {
        const fd = hexArg(args[0]);
        return fd !== null && this.files.delete(fd) ? "F0" : fail("EBADF");
      }
      case "fstat":
        return this.fstat(args);
      case "pwrite":
      case "unlink":
        return fail("EROFS");
      default:
        return "";
    }
  }

  /** vFile:open:pathname,flags,mode: an fd, read-only. */
  private open(args: string[]): string {
    const name = fromHex(args[0] ?? "");
    const f = hexArg(args[1]);
    if (name === null || f === null) return fail("EINVAL");
    if ((f & FILEIO_O_ACCMODE) !== 0) return fail("EROFS");
    if (!this.t.readFile) return ""; // no files: gdb reads its own copies
    const got = this.t.readFile(new TextDecoder().decode(name));
    if (typeof got === "string") return fail(got);
    if (this.files.size >= MAX_FILES) return fail("EMFILE");
    let fd = 3;
    while (this.files.has(fd)) fd++;
    this.files.set(fd, got);
    return `F${fd.toString(16)}`;
  }

  /** vFile:pread:fd,count,offset: `F<n>;` then the n bytes (binary). */
  private pread(args: string[]): string | Uint8Array {
    const [fd, count, offset] = args.map(hexArg);
    const bytes = fd === null || fd === undefined ? undefined : this.files.get(fd);
    if (!bytes) return fail("EBADF");
    if (count === null || count === undefined || offset === null || offset === undefined)
      return fail("EINVAL");
    // The reply must fit a packet once escaped (each byte at most two): half of PacketSize.
    const n = Math.min(count, 0x1800);
    const piece = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + n, bytes.length));
    const head = enc.encode(`F${piece.length.toString(16)};`);
    const out = new Uint8Array(head.length + piece.length);
    out.set(head);
    out.set(piece, head.length);
    return out;
  }

  /** vFile:fstat:fd: `F<size>;` then gdb's struct stat (big-endian, 64 bytes). */
  private fstat(args: string[]): string | Uint8Array {
    const fd = hexArg(args[0]);
    const bytes = fd === null ? undefined : this.files.get(fd);
    if (!bytes) return fail("EBADF");
    const st = new DataView(new ArrayBuffer(64));
    // st_dev, st_ino (0), st_mode, st_nlink, st_uid, st_gid, st_rdev (u32 each), st_size,
    // st_blksize, st_blocks (u64), st_atime, st_mtime, st_ctime (u32).
    st.setUint32(8, MODE_REG_RO);
    st.setUint32(12, 1);
    st.setBigUint64(28, BigInt(bytes.length));
    st.setBigUint64(36, 4096n);
    st.setBigUint64(44, BigInt(Math.ceil(bytes.length / 512)));
    const head = enc.encode("F40;");
    const out = new Uint8Array(head.length + 64);
    out.set(head);
    out.set(new Uint8Array(st.buffer), head.length);
    return out;
  }
}

/** A failed call: `F-1,errno` with gdb's number for the errno name. */
function fail(errno: string): string {
  return `F-1,${(FILEIO_ERRNO[errno] ?? FILEIO_EUNKNOWN).toString(16)}`;
}

function hexArg(text: string | undefined): number | null {
  if (text === undefined || !/^[0-9a-fA-F]{1,12}$/.test(text)) return null;
  return Number.parseInt(text, 16);
}
