// openat and close (fs/open.c, fs/namei.c): the flags, the walk's errors, O_CREAT with the
// umask, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_TMPFILE, O_CLOEXEC, read-only
// mounts, RLIMIT_NOFILE and the lowest free descriptor.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  AT_FDCWD,
  E,
  hostDir,
  NR,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_TMPFILE,
  O_TRUNC,
  O_WRONLY,
  proc,
} from "./harness.js";

describe("openat", () => {
  it("creates with the umask applied, finds again, and gives the lowest free descriptor", () => {
    const p = proc();
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/a", O_CREAT | O_WRONLY, 0o666)).toBe(3n);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/a", O_RDONLY)).toBe(4n);
    expect(p.call(NR.close, 3)).toBe(0n);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/a", O_RDONLY)).toBe(3n);
    const st = p.buf(128);
    expect(p.call(NR.fstat, 3, st)).toBe(0n);
    expect(p.i32(st, 16) & 0o7777).toBe(0o644); // st_mode: 0666 & ~022
  });

  it("fails as Linux does", () => {
    const p = proc();
    p.call(NR.openat, AT_FDCWD, "/tmp/f", O_CREAT | O_WRONLY, 0o644);
    const cases: [string, number, bigint][] = [
      ["", O_RDONLY, E.ENOENT],
      ["/tmp/missing", O_RDONLY, E.ENOENT],
      ["/tmp/missing/x", O_CREAT | O_WRONLY, E.ENOENT],
      ["/tmp/f/x", O_RDONLY, E.ENOTDIR],
      ["/tmp/f/", O_RDONLY, E.ENOTDIR],
      ["/tmp/f", O_DIRECTORY, E.ENOTDIR],
      ["/tmp/f", O_CREAT | O_EXCL | O_WRONLY, E.EEXIST],
      ["/tmp", O_WRONLY, E.EISDIR],
      ["/tmp", O_RDWR, E.EISDIR],
      ["/tmp/", O_CREAT | O_WRONLY, E.EISDIR],
      [`/tmp/${"x".repeat(256)}`, O_RDONLY, E.ENAMETOOLONG],
      ["/tmp", O_TMPFILE & ~O_DIRECTORY, E.EINVAL],
      ["/tmp", O_TMPFILE | O_RDONLY, E.EINVAL],
    ];
    for (const [name, flags, want] of cases)
      expect([name.slice(0, 20), flags, p.call(NR.openat, AT_FDCWD, name, flags, 0o644)]).toEqual([
        name.slice(0, 20),
        flags,
        want,
      ]);
    expect(p.call(NR.openat, AT_FDCWD, 0, O_RDONLY)).toBe(E.EFAULT);
    expect(p.call(NR.openat, AT_FDCWD, 1, O_RDONLY)).toBe(E.EFAULT);
    const long = p.buf(5000);
    p.write(long, new Uint8Array(4999).fill(0x61));
    expect(p.call(NR.openat, AT_FDCWD, long, O_RDONLY)).toBe(E.ENAMETOOLONG);
    expect(p.call(NR.openat, -1, "x", O_RDONLY)).toBe(E.EBADF);
    const fd = Number(p.call(NR.openat, AT_FDCWD, "/tmp/f", O_RDONLY));
    expect(p.call(NR.openat, fd, "x", O_RDONLY)).toBe(E.ENOTDIR);
    // unknown flag bits are ignored (open(2) never rejected them)
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/f", O_RDONLY | 0x40000000)).toBeGreaterThanOrEqual(0n);
  });

  it("relative names start at the dirfd or the working directory", () => {
    const p = proc();
    expect(p.call(NR.mkdirat, AT_FDCWD, "/tmp/d", 0o755)).toBe(0n);
    const d = Number(p.call(NR.openat, AT_FDCWD, "/tmp/d", O_RDONLY | O_DIRECTORY));
    expect(p.call(NR.openat, d, "x", O_CREAT | O_WRONLY, 0o600)).toBeGreaterThan(0n);
    expect(p.call(NR.chdir, "/tmp/d")).toBe(0n);
    expect(p.call(NR.openat, AT_FDCWD, "x", O_RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT_FDCWD, "../d/./x", O_RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT_FDCWD, "/../../tmp/d/x", O_RDONLY)).toBeGreaterThan(0n);
  });

  it("O_TRUNC empties, O_NOFOLLOW refuses a link, a link loop is ELOOP", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O_CREAT | O_WRONLY);
    p.puts(fd, "hello");
    expect(p.cat("/tmp/f")).toBe("hello");
    p.call(NR.close, p.open("/tmp/f", O_WRONLY | O_TRUNC));
    expect(p.cat("/tmp/f")).toBe("");
    expect(p.call(NR.symlinkat, "/tmp/f", AT_FDCWD, "/tmp/l")).toBe(0n);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/l", O_RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/l", O_RDONLY | O_NOFOLLOW)).toBe(E.ELOOP);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/l", O_CREAT | O_EXCL | O_WRONLY)).toBe(E.EEXIST);
    p.call(NR.symlinkat, "/tmp/loop2", AT_FDCWD, "/tmp/loop1");
    p.call(NR.symlinkat, "/tmp/loop1", AT_FDCWD, "/tmp/loop2");
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/loop1", O_RDONLY)).toBe(E.ELOOP);
    // a chain of 40 links resolves (MAXSYMLINKS), 41 is ELOOP
    p.call(NR.symlinkat, "/tmp/f", AT_FDCWD, "/tmp/c0");
    for (let i = 1; i <= 40; i++) p.call(NR.symlinkat, `/tmp/c${i - 1}`, AT_FDCWD, `/tmp/c${i}`);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/c39", O_RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT_FDCWD, "/tmp/c40", O_RDONLY)).toBe(E.ELOOP);
  });

  it("O_PATH names a place without opening it: read is EBADF, fstat works", () => {
    const p = proc();
    const fd = Number(p.call(NR.openat, AT_FDCWD, "/tmp", O_PATH));
    expect(p.call(NR.read, fd, p.buf(8), 8)).toBe(E.EBADF);
    expect(p.call(NR.fstat, fd, p.buf(128))).toBe(0n);
    expect(p.call(NR.openat, fd, "x", O_CREAT | O_WRONLY, 0o644)).toBeGreaterThan(0n);
  });

  it("O_TMPFILE makes an unnamed file in tmpfs", () => {
    const p = proc();
    const fd = Number(p.call(NR.openat, AT_FDCWD, "/tmp", O_TMPFILE | O_RDWR, 0o600));
    expect(fd).toBeGreaterThan(0);
    p.puts(fd, "anon");
    expect(p.call(NR.pread64, fd, p.buf(8), 8, 0)).toBe(4n);
    const dents = p.buf(4096);
    const d = Number(p.call(NR.openat, AT_FDCWD, "/tmp", O_DIRECTORY));
    expect(p.call(NR.getdents64, d, dents, 4096)).toBe(48n); // only . and ..
  });

  it("O_CLOEXEC marks the descriptor", () => {
    const p = proc();
    const fd = Number(p.call(NR.openat, AT_FDCWD, "/tmp", O_RDONLY | O_CLOEXEC));
    expect(p.call(NR.fcntl, fd, 1, 0)).toBe(1n); // F_GETFD: FD_CLOEXEC
    const g = Number(p.call(NR.openat, AT_FDCWD, "/tmp", O_RDONLY));
    expect(p.call(NR.fcntl, g, 1, 0)).toBe(0n);
  });

  it("EMFILE at RLIMIT_NOFILE", () => {
    const p = proc();
    p.t.files.rlim_nofile = 8;
    for (let fd = 3; fd < 8; fd++) expect(p.call(NR.openat, AT_FDCWD, "/tmp", O_RDONLY)).toBe(BigInt(fd));
    expect(p.call(NR.openat, AT_FDCWD, "/tmp", O_RDONLY)).toBe(E.EMFILE);
    expect(p.call(NR.dup, 0)).toBe(E.EMFILE);
    p.call(NR.close, 5);
    expect(p.call(NR.dup, 0)).toBe(5n);
  });
});

describe("close", () => {
  it("closes once; EBADF after and for descriptors never open", () => {
    const p = proc();
    const fd = p.open("/tmp", O_RDONLY);
    expect(p.call(NR.close, fd)).toBe(0n);
    expect(p.call(NR.close, fd)).toBe(E.EBADF);
    expect(p.call(NR.close, -1)).toBe(E.EBADF);
    expect(p.call(NR.close, 999)).toBe(E.EBADF);
    expect(p.call(NR.close, 1 << 30)).toBe(E.EBADF);
  });
});

describe("read-only and writable host mounts", () => {
  const h = hostDir();
  afterAll(h.done);
  writeFileSync(join(h.dir, "data"), "host bytes");

  it("a read-only mount reads, and refuses every change with EROFS", () => {
    const p = proc({ mounts: [{ host: h.dir, guest: "/mnt" }] });
    expect(p.cat("/mnt/data")).toBe("host bytes");
    expect(p.call(NR.openat, AT_FDCWD, "/mnt/data", O_WRONLY)).toBe(E.EROFS);
    expect(p.call(NR.openat, AT_FDCWD, "/mnt/data", O_RDONLY | O_TRUNC)).toBe(E.EROFS);
    expect(p.call(NR.openat, AT_FDCWD, "/mnt/new", O_CREAT | O_WRONLY, 0o644)).toBe(E.EROFS);
    expect(p.call(NR.mkdirat, AT_FDCWD, "/mnt/d", 0o755)).toBe(E.EROFS);
    expect(p.call(NR.unlinkat, AT_FDCWD, "/mnt/data", 0)).toBe(E.EROFS);
    expect(p.call(NR.renameat2, AT_FDCWD, "/mnt/data", AT_FDCWD, "/mnt/x", 0)).toBe(E.EROFS);
    expect(p.call(NR.truncate, "/mnt/data", 0)).toBe(E.EROFS);
    // O_CREAT of an existing file without O_EXCL only opens it
    expect(p.call(NR.openat, AT_FDCWD, "/mnt/data", O_CREAT | O_RDONLY, 0o644)).toBeGreaterThan(0n);
  });
});
