// fstat, newfstatat, statx (fs/stat.c) and getdents64 (fs/readdir.c) on tmpfs, /dev, /proc and
// host directories: real modes, link counts, inode numbers, sizes, blocks and machine times;
// directory listings in bounded pieces that resume where they stopped.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AT, E, hostDir, NR, O, type Proc, proc } from "./harness.js";

interface Stat {
  dev: bigint;
  ino: bigint;
  mode: number;
  nlink: number;
  rdev: bigint;
  size: bigint;
  blksize: number;
  blocks: bigint;
  mtime: bigint;
}

function stat(p: Proc, name: string, flags = 0, dfd = AT.FDCWD): Stat | bigint {
  const b = p.buf(128);
  const r = p.call(NR.newfstatat, dfd, name, b, flags);
  if (r !== 0n) return r;
  return {
    dev: p.u64(b, 0),
    ino: p.u64(b, 8),
    mode: p.i32(b, 16),
    nlink: p.i32(b, 20),
    rdev: p.u64(b, 32),
    size: p.u64(b, 48),
    blksize: p.i32(b, 56),
    blocks: p.u64(b, 64),
    mtime: p.u64(b, 88),
  };
}

/** The (name, d_type) pairs of a directory listing read `count` bytes at a time. */
function listing(p: Proc, fd: number, count: number): [string, number][] {
  const out: [string, number][] = [];
  const b = p.buf(count);
  for (let guard = 0; guard < 1000; guard++) {
    const n = Number(p.call(NR.getdents64, fd, b, count));
    if (n <= 0) {
      if (n < 0) throw new Error(`getdents64: ${n}`);
      return out;
    }
    const raw = p.read(b, n);
    const v = new DataView(raw.buffer);
    for (let off = 0; off < n; ) {
      const reclen = v.getUint16(off + 16, true);
      const type = raw[off + 18]!;
      const name = new TextDecoder().decode(raw.subarray(off + 19, raw.indexOf(0, off + 19)));
      out.push([name, type]);
      off += reclen;
    }
  }
  throw new Error("getdents64 never ended");
}

describe("stat", () => {
  it("tmpfs files: mode, size, blocks from the pages they hold, times in machine time", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.WRONLY, 0o640);
    p.puts(fd, "x".repeat(5000));
    const s = stat(p, "/tmp/f") as Stat;
    expect(s.mode).toBe(0o100640);
    expect(s.nlink).toBe(1);
    expect(s.size).toBe(5000n);
    expect(s.blocks).toBe(16n); // two 4 KiB pages
    expect(s.blksize).toBe(4096);
    expect(s.mtime).toBeGreaterThanOrEqual(1_767_225_600n); // mmlab's epoch, 2026-01-01
    const f = p.buf(128);
    expect(p.call(NR.fstat, fd, f)).toBe(0n);
    expect(p.u64(f, 8)).toBe(s.ino);
    const d = stat(p, "/tmp") as Stat;
    expect(d.mode).toBe(0o41777);
    expect(d.dev).toBe(s.dev);
    expect(d.ino).not.toBe(s.ino);
  });

  it("devices, links, /proc and the terminal", () => {
    const p = proc();
    const z = stat(p, "/dev/zero") as Stat;
    expect([z.mode, z.rdev]).toEqual([0o20666, 0x105n]);
    expect((stat(p, "/dev/stdin", AT.SYMLINK_NOFOLLOW) as Stat).mode).toBe(0o120777);
    expect((stat(p, "/proc/self") as Stat).mode & 0o170000).toBe(0o40000);
    expect((stat(p, "/proc/meminfo") as Stat).mode).toBe(0o100444);
    const b = p.buf(128);
    expect(p.call(NR.newfstatat, 1, "", b, AT.EMPTY_PATH)).toBe(0n); // glibc's fstat(1)
    expect(p.i32(b, 16) & 0o170000).toBe(0o10000); // a pipe: stdout is not a terminal here
    const tty = proc({ isatty: true });
    expect(tty.call(NR.newfstatat, 1, "", b, AT.EMPTY_PATH)).toBe(0n);
    expect(tty.i32(b, 16) & 0o170000).toBe(0o20000);
  });

  it("fail as Linux does", () => {
    const p = proc();
    const b = p.buf(128);
    expect(p.call(NR.fstat, -1, b)).toBe(E.EBADF);
    expect(p.call(NR.fstat, 0, 0)).toBe(E.EFAULT);
    expect(p.call(NR.newfstatat, AT.FDCWD, "", b, 0)).toBe(E.ENOENT);
    expect(p.call(NR.newfstatat, AT.FDCWD, "/tmp", b, 1)).toBe(E.EINVAL);
    expect(p.call(NR.newfstatat, AT.FDCWD, "/none", b, 0)).toBe(E.ENOENT);
    expect(p.call(NR.newfstatat, AT.FDCWD, "/tmp", 0, 0)).toBe(E.EFAULT);
    expect(p.call(NR.newfstatat, -1, "", b, AT.EMPTY_PATH)).toBe(E.EBADF);
  });
});

describe("statx", () => {
  it("basic stats, btime on tmpfs, the mount id", () => {
    const p = proc();
    p.call(NR.close, p.open("/tmp/f", O.CREAT | O.WRONLY));
    const b = p.buf(256);
    expect(p.call(NR.statx, AT.FDCWD, "/tmp/f", 0, 0xfff, b)).toBe(0n);
    expect(p.i32(b, 0) & 0x1fff).toBe(0x1fff); // STATX_BASIC_STATS | BTIME | MNT_ID
    expect(p.read(b, 256)[28]! | (p.read(b, 256)[29]! << 8)).toBe(0o100644);
    expect(p.call(NR.statx, AT.FDCWD, "/tmp/f", 0x6000, 0xfff, b)).toBe(E.EINVAL);
    expect(p.call(NR.statx, AT.FDCWD, "/tmp/f", 0, 0x80000000, b)).toBe(E.EINVAL);
    expect(p.call(NR.statx, AT.FDCWD, "/tmp/f", 1, 0xfff, b)).toBe(E.EINVAL);
    expect(p.call(NR.statx, AT.FDCWD, "/tmp/none", 0, 0xfff, b)).toBe(E.ENOENT);
  });
});

describe("getdents64", () => {
  const h = hostDir();
  afterAll(h.done);
  for (let i = 0; i < 300; i++) writeFileSync(join(h.dir, `file-${String(i).padStart(3, "0")}`), "");
  mkdirSync(join(h.dir, "sub"));

  it("tmpfs: ., .., then names in creation order with their types", () => {
    const p = proc();
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o755);
    p.call(NR.close, p.open("/tmp/d/b", O.CREAT | O.WRONLY));
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d/a", 0o755);
    p.call(NR.symlinkat, "b", AT.FDCWD, "/tmp/d/c");
    const fd = p.open("/tmp/d", O.DIRECTORY);
    expect(listing(p, fd, 4096)).toEqual([
      [".", 4],
      ["..", 4],
      ["b", 8],
      ["a", 4],
      ["c", 10],
    ]);
    expect(listing(p, fd, 4096)).toEqual([]); // at the end
    p.call(NR.lseek, fd, 0, 0);
    expect(listing(p, fd, 32).map(([n]) => n)).toEqual([".", "..", "b", "a", "c"]); // one record a call
  });

  it("a host directory of 300 entries in 1 KiB reads, every name once", () => {
    const p = proc({ mounts: [{ host: h.dir, guest: "/mnt" }] });
    const names = listing(p, p.open("/mnt", O.DIRECTORY), 1024);
    expect(names.length).toBe(303);
    expect(new Set(names.map(([n]) => n)).size).toBe(303);
    expect(names.find(([n]) => n === "sub")).toEqual(["sub", 4]);
    expect(names.find(([n]) => n === "file-123")).toEqual(["file-123", 8]);
  });

  it("/proc and /dev list", () => {
    const p = proc();
    const proc_ = listing(p, p.open("/proc", O.DIRECTORY), 4096).map(([n]) => n);
    expect(proc_).toEqual(expect.arrayContaining(["self", "meminfo", "vmstat", "cpuinfo", "sys", "1"]));
    const fds = listing(p, p.open("/proc/self/fd", O.DIRECTORY), 4096).map(([n]) => n);
    expect(fds).toEqual([".", "..", "0", "1", "2", "3", "4"]); // 3: /proc, 4: this listing
    const dev = listing(p, p.open("/dev", O.DIRECTORY), 4096).map(([n]) => n);
    expect(dev).toEqual(expect.arrayContaining(["null", "zero", "tty", "stdin", "fd"]));
  });

  it("fail as Linux does", () => {
    const p = proc();
    const d = p.open("/tmp", O.DIRECTORY);
    const f = p.open("/dev/null", O.RDONLY);
    expect(p.call(NR.getdents64, -1, p.buf(64), 64)).toBe(E.EBADF);
    expect(p.call(NR.getdents64, f, p.buf(64), 64)).toBe(E.ENOTDIR);
    expect(p.call(NR.getdents64, d, p.buf(8), 1)).toBe(E.EINVAL);
    expect(p.call(NR.getdents64, d, 0, 64)).toBe(E.EFAULT);
    // nothing was consumed by the failed calls
    expect(listing(p, d, 4096).map(([n]) => n)).toEqual([".", ".."]);
  });
});

describe("fchmodat and fchmod (fs/open.c chmod_common)", () => {
  it("change the permission bits (07777) and keep the type; ENOENT, EBADF, EROFS and /proc's EPERM", () => {
    const h = hostDir();
    writeFileSync(join(h.dir, "f"), "x");
    try {
      const p = proc({ mounts: [{ host: h.dir, guest: "/ro" }] });
      const fd = Number(p.call(NR.openat, AT.FDCWD, "/tmp/m", O.CREAT | O.WRONLY, 0o644));
      expect(p.call(NR.fchmodat, AT.FDCWD, "/tmp/m", 0o104755)).toBe(0n); // type bits ignored
      expect((stat(p, "/tmp/m") as Stat).mode).toBe(0o104755);
      expect(p.call(NR.fchmod, fd, 0o600)).toBe(0n);
      expect((stat(p, "/tmp/m") as Stat).mode).toBe(0o100600);
      expect(p.call(NR.fchmodat, AT.FDCWD, "/tmp/none", 0o600)).toBe(E.ENOENT);
      expect(p.call(NR.fchmod, 99, 0o600)).toBe(E.EBADF);
      expect(p.call(NR.fchmodat, AT.FDCWD, "/ro/f", 0o600)).toBe(E.EROFS);
      expect(p.call(NR.fchmodat, AT.FDCWD, "/proc/meminfo", 0o600)).toBe(E.EPERM);
      expect(p.trace).toContain(`fchmodat(AT_FDCWD, "/tmp/m", 0104755) = 0`);
    } finally {
      h.done();
    }
  });
});
