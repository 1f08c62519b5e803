// openat and close (fs/open.c, fs/namei.c): the flags, the walk's errors, O_CREAT with the
// umask, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_TMPFILE, O_CLOEXEC, read-only
// mounts, RLIMIT_NOFILE and the lowest free descriptor.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AT, E, hostDir, NR, O, proc } from "./harness.js";

describe("openat", () => {
  it("creates with the umask applied, finds again, and gives the lowest free descriptor", () => {
    const p = proc();
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/a", O.CREAT | O.WRONLY, 0o666)).toBe(3n);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/a", O.RDONLY)).toBe(4n);
    expect(p.call(NR.close, 3)).toBe(0n);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/a", O.RDONLY)).toBe(3n);
    const st = p.buf(128);
    expect(p.call(NR.fstat, 3, st)).toBe(0n);
    expect(p.i32(st, 16) & 0o7777).toBe(0o644); // st_mode: 0666 & ~022
  });

  it("fails as Linux does", () => {
    const p = proc();
    p.call(NR.openat, AT.FDCWD, "/tmp/f", O.CREAT | O.WRONLY, 0o644);
    const cases: [string, number, bigint][] = [
      ["", O.RDONLY, E.ENOENT],
      ["/tmp/missing", O.RDONLY, E.ENOENT],
      ["/tmp/missing/x", O.CREAT | O.WRONLY, E.ENOENT],
      ["/tmp/f/x", O.RDONLY, E.ENOTDIR],
      ["/tmp/f/", O.RDONLY, E.ENOTDIR],
      ["/tmp/f", O.DIRECTORY, E.ENOTDIR],
      ["/tmp/f", O.CREAT | O.EXCL | O.WRONLY, E.EEXIST],
      ["/tmp", O.WRONLY, E.EISDIR],
      ["/tmp", O.RDWR, E.EISDIR],
      ["/tmp/", O.CREAT | O.WRONLY, E.EISDIR],
      [`/tmp/${"x".repeat(256)}`, O.RDONLY, E.ENAMETOOLONG],
      ["/tmp", O.TMPFILE & ~O.DIRECTORY, E.EINVAL],
      ["/tmp", O.TMPFILE | O.RDONLY, E.EINVAL],
    ];
    for (const [name, flags, want] of cases)
      expect([name.slice(0, 20), flags, p.call(NR.openat, AT.FDCWD, name, flags, 0o644)]).toEqual([
        name.slice(0, 20),
        flags,
        want,
      ]);
    expect(p.call(NR.openat, AT.FDCWD, 0, O.RDONLY)).toBe(E.EFAULT);
    expect(p.call(NR.openat, AT.FDCWD, 1, O.RDONLY)).toBe(E.EFAULT);
    const long = p.buf(5000);
    p.write(long, new Uint8Array(4999).fill(0x61));
    expect(p.call(NR.openat, AT.FDCWD, long, O.RDONLY)).toBe(E.ENAMETOOLONG);
    expect(p.call(NR.openat, -1, "x", O.RDONLY)).toBe(E.EBADF);
    const fd = Number(p.call(NR.openat, AT.FDCWD, "/tmp/f", O.RDONLY));
    expect(p.call(NR.openat, fd, "x", O.RDONLY)).toBe(E.ENOTDIR);
    // unknown flag bits are ignored (open(2) never rejected them)
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/f", O.RDONLY | 0x40000000)).toBeGreaterThanOrEqual(0n);
  });

  it("relative names start at the dirfd or the working directory", () => {
    const p = proc();
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o755)).toBe(0n);
    const d = Number(p.call(NR.openat, AT.FDCWD, "/tmp/d", O.RDONLY | O.DIRECTORY));
    expect(p.call(NR.openat, d, "x", O.CREAT | O.WRONLY, 0o600)).toBeGreaterThan(0n);
    expect(p.call(NR.chdir, "/tmp/d")).toBe(0n);
    expect(p.call(NR.openat, AT.FDCWD, "x", O.RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT.FDCWD, "../d/./x", O.RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT.FDCWD, "/../../tmp/d/x", O.RDONLY)).toBeGreaterThan(0n);
  });

  it("O_TRUNC empties, O_NOFOLLOW refuses a link, a link loop is ELOOP", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.WRONLY);
    p.puts(fd, "hello");
    expect(p.cat("/tmp/f")).toBe("hello");
    p.call(NR.close, p.open("/tmp/f", O.WRONLY | O.TRUNC));
    expect(p.cat("/tmp/f")).toBe("");
    expect(p.call(NR.symlinkat, "/tmp/f", AT.FDCWD, "/tmp/l")).toBe(0n);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/l", O.RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/l", O.RDONLY | O.NOFOLLOW)).toBe(E.ELOOP);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/l", O.CREAT | O.EXCL | O.WRONLY)).toBe(E.EEXIST);
    p.call(NR.symlinkat, "/tmp/loop2", AT.FDCWD, "/tmp/loop1");
    p.call(NR.symlinkat, "/tmp/loop1", AT.FDCWD, "/tmp/loop2");
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/loop1", O.RDONLY)).toBe(E.ELOOP);
    // a chain of 40 links resolves (MAXSYMLINKS), 41 is ELOOP
    p.call(NR.symlinkat, "/tmp/f", AT.FDCWD, "/tmp/c0");
    for (let i = 1; i <= 40; i++) p.call(NR.symlinkat, `/tmp/c${i - 1}`, AT.FDCWD, `/tmp/c${i}`);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/c39", O.RDONLY)).toBeGreaterThan(0n);
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/c40", O.RDONLY)).toBe(E.ELOOP);
  });

  it("O_PATH names a place without opening it: read is EBADF, fstat works", () => {
    const p = proc();
    const fd = Number(p.call(NR.openat, AT.FDCWD, "/tmp", O.PATH));
    expect(p.call(NR.read, fd, p.buf(8), 8)).toBe(E.EBADF);
    expect(p.call(NR.fstat, fd, p.buf(128))).toBe(0n);
    expect(p.call(NR.openat, fd, "x", O.CREAT | O.WRONLY, 0o644)).toBeGreaterThan(0n);
  });

  it("O_TMPFILE makes an unnamed file in tmpfs", () => {
    const p = proc();
    const fd = Number(p.call(NR.openat, AT.FDCWD, "/tmp", O.TMPFILE | O.RDWR, 0o600));
    expect(fd).toBeGreaterThan(0);
    p.puts(fd, "anon");
    expect(p.call(NR.pread64, fd, p.buf(8), 8, 0)).toBe(4n);
    const dents = p.buf(4096);
    const d = Number(p.call(NR.openat, AT.FDCWD, "/tmp", O.DIRECTORY));
    expect(p.call(NR.getdents64, d, dents, 4096)).toBe(48n); // only . and ..
  });

  it("O_CLOEXEC marks the descriptor", () => {
    const p = proc();
    const fd = Number(p.call(NR.openat, AT.FDCWD, "/tmp", O.RDONLY | O.CLOEXEC));
    expect(p.call(NR.fcntl, fd, 1, 0)).toBe(1n); // F_GETFD: FD_CLOEXEC
    const g = Number(p.call(NR.openat, AT.FDCWD, "/tmp", O.RDONLY));
    expect(p.call(NR.fcntl, g, 1, 0)).toBe(0n);
  });

  it("EMFILE at RLIMIT_NOFILE", () => {
    const p = proc();
    p.t.files.rlim_nofile = 8;
    for (let fd = 3; fd < 8; fd++) expect(p.call(NR.openat, AT.FDCWD, "/tmp", O.RDONLY)).toBe(BigInt(fd));
    expect(p.call(NR.openat, AT.FDCWD, "/tmp", O.RDONLY)).toBe(E.EMFILE);
    expect(p.call(NR.dup, 0)).toBe(E.EMFILE);
    p.call(NR.close, 5);
    expect(p.call(NR.dup, 0)).toBe(5n);
  });
});

describe("close", () => {
  it("closes once; EBADF after and for descriptors never open", () => {
    const p = proc();
    const fd = p.open("/tmp", O.RDONLY);
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
    expect(p.call(NR.openat, AT.FDCWD, "/mnt/data", O.WRONLY)).toBe(E.EROFS);
    expect(p.call(NR.openat, AT.FDCWD, "/mnt/data", O.RDONLY | O.TRUNC)).toBe(E.EROFS);
    expect(p.call(NR.openat, AT.FDCWD, "/mnt/new", O.CREAT | O.WRONLY, 0o644)).toBe(E.EROFS);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/mnt/d", 0o755)).toBe(E.EROFS);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/mnt/data", 0)).toBe(E.EROFS);
    expect(p.call(NR.renameat2, AT.FDCWD, "/mnt/data", AT.FDCWD, "/mnt/x", 0)).toBe(E.EROFS);
    expect(p.call(NR.truncate, "/mnt/data", 0)).toBe(E.EROFS);
    // O_CREAT of an existing file without O_EXCL only opens it
    expect(p.call(NR.openat, AT.FDCWD, "/mnt/data", O.CREAT | O.RDONLY, 0o644)).toBeGreaterThan(0n);
  });
});
