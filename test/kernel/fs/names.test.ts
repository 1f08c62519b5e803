// The calls that change and read names (fs/namei.c, fs/open.c, fs/stat.c, fs/d_path.c):
// mkdirat, unlinkat, renameat2, symlinkat, linkat, readlinkat, truncate, ftruncate, faccessat,
// faccessat2, chdir, fchdir, getcwd and umask, on tmpfs and on a writable host mount.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AT, E, hostDir, NR, O, type Proc, proc, RENAME } from "./harness.js";

const touch = (p: Proc, name: string, text = ""): void => {
  const fd = p.open(name, O.CREAT | O.WRONLY);
  if (text) p.puts(fd, text);
  p.call(NR.close, fd);
};

/** st_nlink and st_size of `name`. */
function nlinkSize(p: Proc, name: string): [number, number] {
  const st = p.buf(128);
  if (p.call(NR.newfstatat, AT.FDCWD, name, st, AT.SYMLINK_NOFOLLOW) !== 0n) throw new Error(name);
  return [p.i32(st, 20), Number(p.u64(st, 48))];
}

describe("mkdirat, unlinkat", () => {
  it("make and remove; a directory's link count follows its subdirectories", () => {
    const p = proc();
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o755)).toBe(0n);
    expect(nlinkSize(p, "/tmp/d")[0]).toBe(2);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/d/e", 0o755)).toBe(0n);
    expect(nlinkSize(p, "/tmp/d")[0]).toBe(3);
    touch(p, "/tmp/d/f");
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d", AT.REMOVEDIR)).toBe(E.ENOTEMPTY);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d/e", 0)).toBe(E.EISDIR);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d/f", AT.REMOVEDIR)).toBe(E.ENOTDIR);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d/f", 0)).toBe(0n);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d/e", AT.REMOVEDIR)).toBe(0n);
    expect(nlinkSize(p, "/tmp/d")[0]).toBe(2);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d", AT.REMOVEDIR)).toBe(0n);
  });

  it("fail as Linux does", () => {
    const p = proc();
    touch(p, "/tmp/f");
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp", 0o755)).toBe(E.EEXIST);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/f", 0o755)).toBe(E.EEXIST);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/f/x", 0o755)).toBe(E.ENOTDIR);
    expect(p.call(NR.mkdirat, AT.FDCWD, "/tmp/no/x", 0o755)).toBe(E.ENOENT);
    expect(p.call(NR.mkdirat, AT.FDCWD, "", 0o755)).toBe(E.ENOENT);
    expect(p.call(NR.mkdirat, AT.FDCWD, 0, 0o755)).toBe(E.EFAULT);
    expect(p.call(NR.mkdirat, AT.FDCWD, `/tmp/${"n".repeat(300)}`, 0o755)).toBe(E.ENAMETOOLONG);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/f", 1)).toBe(E.EINVAL);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/none", 0)).toBe(E.ENOENT);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/f/", 0)).toBe(E.ENOTDIR);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/.", AT.REMOVEDIR)).toBe(E.EINVAL);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/..", AT.REMOVEDIR)).toBe(E.ENOTEMPTY);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/proc", AT.REMOVEDIR)).toBe(E.EBUSY); // a mountpoint
    expect(p.call(NR.unlinkat, -1, "x", 0)).toBe(E.EBADF);
  });

  it("an unlinked file stays readable while open", () => {
    const p = proc();
    touch(p, "/tmp/f", "still here");
    const fd = p.open("/tmp/f", O.RDONLY);
    p.call(NR.unlinkat, AT.FDCWD, "/tmp/f", 0);
    expect(p.gets(fd, 64)).toBe("still here");
  });
});

describe("renameat2", () => {
  it("moves, replaces, and honours RENAME_NOREPLACE and RENAME_EXCHANGE", () => {
    const p = proc();
    touch(p, "/tmp/a", "A");
    touch(p, "/tmp/b", "B");
    expect(p.call(NR.renameat2, AT.FDCWD, "/tmp/a", AT.FDCWD, "/tmp/b", RENAME.NOREPLACE)).toBe(E.EEXIST);
    expect(p.call(NR.renameat2, AT.FDCWD, "/tmp/a", AT.FDCWD, "/tmp/b", RENAME.EXCHANGE)).toBe(0n);
    expect([p.cat("/tmp/a"), p.cat("/tmp/b")]).toEqual(["B", "A"]);
    expect(p.call(NR.renameat2, AT.FDCWD, "/tmp/a", AT.FDCWD, "/tmp/b", 0)).toBe(0n);
    expect(p.cat("/tmp/b")).toBe("B");
    expect(p.call(NR.openat, AT.FDCWD, "/tmp/a", O.RDONLY)).toBe(E.ENOENT);
    expect(p.call(NR.renameat2, AT.FDCWD, "/tmp/b", AT.FDCWD, "/tmp/b", 0)).toBe(0n);
  });

  it("fail as Linux does", () => {
    const p = proc();
    touch(p, "/tmp/f");
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o755);
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d/sub", 0o755);
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/e", 0o755);
    touch(p, "/tmp/e/x");
    const r = (a: string, b: string, flags = 0): bigint =>
      p.call(NR.renameat2, AT.FDCWD, a, AT.FDCWD, b, flags);
    expect(r("/tmp/f", "/tmp/g", RENAME.NOREPLACE | RENAME.EXCHANGE)).toBe(E.EINVAL);
    expect(r("/tmp/f", "/tmp/g", 8)).toBe(E.EINVAL);
    expect(r("/tmp/f", "/tmp/g", RENAME.EXCHANGE)).toBe(E.ENOENT);
    expect(r("/tmp/none", "/tmp/g")).toBe(E.ENOENT);
    expect(r("/tmp/f", "/tmp/d")).toBe(E.EISDIR);
    expect(r("/tmp/d", "/tmp/f")).toBe(E.ENOTDIR);
    expect(r("/tmp/d", "/tmp/e")).toBe(E.ENOTEMPTY);
    expect(r("/tmp/d", "/tmp/d/sub/x")).toBe(E.EINVAL); // into itself
    expect(r("/tmp/f", "/tmp/f/")).toBe(E.ENOTDIR);
    expect(r("/tmp/f", "/proc/x")).toBe(E.EXDEV);
    expect(r("/tmp/.", "/tmp/x")).toBe(E.EBUSY);
  });
});

describe("symlinkat, linkat, readlinkat", () => {
  it("links share the inode; symbolic links read back", () => {
    const p = proc();
    touch(p, "/tmp/f", "data");
    expect(p.call(NR.linkat, AT.FDCWD, "/tmp/f", AT.FDCWD, "/tmp/g", 0)).toBe(0n);
    expect(nlinkSize(p, "/tmp/f")).toEqual([2, 4]);
    expect(p.call(NR.symlinkat, "f", AT.FDCWD, "/tmp/s")).toBe(0n);
    expect(p.cat("/tmp/s")).toBe("data");
    const b = p.buf(64);
    expect(p.call(NR.readlinkat, AT.FDCWD, "/tmp/s", b, 64)).toBe(1n);
    expect(p.text(b, 1)).toBe("f");
    expect(p.call(NR.readlinkat, AT.FDCWD, "/tmp/s", b, 0)).toBe(E.EINVAL);
    expect(p.call(NR.readlinkat, AT.FDCWD, "/tmp/f", b, 64)).toBe(E.EINVAL);
    expect(p.call(NR.readlinkat, AT.FDCWD, "/tmp/none", b, 64)).toBe(E.ENOENT);
    expect(p.call(NR.symlinkat, "", AT.FDCWD, "/tmp/e")).toBe(E.ENOENT);
    expect(p.call(NR.symlinkat, "x", AT.FDCWD, "/tmp/f")).toBe(E.EEXIST);
    expect(p.call(NR.linkat, AT.FDCWD, "/tmp", AT.FDCWD, "/tmp/dirlink", 0)).toBe(E.EPERM);
    expect(p.call(NR.linkat, AT.FDCWD, "/tmp/f", AT.FDCWD, "/tmp/g", 0)).toBe(E.EEXIST);
    expect(p.call(NR.linkat, AT.FDCWD, "/tmp/f", AT.FDCWD, "/tmp/h", 1)).toBe(E.EINVAL);
    // linkat of a symlink links the link itself unless AT_SYMLINK_FOLLOW
    expect(p.call(NR.linkat, AT.FDCWD, "/tmp/s", AT.FDCWD, "/tmp/s2", 0)).toBe(0n);
    expect(p.call(NR.readlinkat, AT.FDCWD, "/tmp/s2", b, 64)).toBe(1n);
    expect(p.call(NR.linkat, AT.FDCWD, "/tmp/s", AT.FDCWD, "/tmp/s3", AT.SYMLINK_FOLLOW)).toBe(0n);
    expect(nlinkSize(p, "/tmp/f")[0]).toBe(3);
  });
});

describe("truncate and ftruncate", () => {
  it("shrink and grow with zeros", () => {
    const p = proc();
    touch(p, "/tmp/f", "0123456789");
    expect(p.call(NR.truncate, "/tmp/f", 4)).toBe(0n);
    expect(p.cat("/tmp/f")).toBe("0123");
    const fd = p.open("/tmp/f", O.RDWR);
    expect(p.call(NR.ftruncate, fd, 6)).toBe(0n);
    expect(p.cat("/tmp/f")).toBe("0123\0\0");
  });

  it("fail as Linux does", () => {
    const p = proc();
    touch(p, "/tmp/f");
    expect(p.call(NR.truncate, "/tmp/f", -1)).toBe(E.EINVAL);
    expect(p.call(NR.truncate, "/tmp", 0)).toBe(E.EISDIR);
    expect(p.call(NR.truncate, "/tmp/none", 0)).toBe(E.ENOENT);
    expect(p.call(NR.truncate, 0, 0)).toBe(E.EFAULT);
    expect(p.call(NR.ftruncate, -1, 0)).toBe(E.EBADF);
    expect(p.call(NR.ftruncate, p.open("/tmp/f", O.RDONLY), 0)).toBe(E.EINVAL);
    expect(p.call(NR.ftruncate, p.open("/tmp/f", O.WRONLY), -1)).toBe(E.EINVAL);
    const [r] = p.pipe();
    expect(p.call(NR.ftruncate, r, 0)).toBe(E.EINVAL);
  });
});

describe("faccessat, faccessat2", () => {
  it("root may read and write; execute needs an x bit", () => {
    const p = proc();
    touch(p, "/tmp/f");
    expect(p.call(NR.faccessat, AT.FDCWD, "/tmp/f", 6)).toBe(0n);
    expect(p.call(NR.faccessat, AT.FDCWD, "/tmp/f", 1)).toBe(E.EACCES);
    expect(p.call(NR.faccessat, AT.FDCWD, "/tmp", 1)).toBe(0n);
    expect(p.call(NR.faccessat, AT.FDCWD, "/tmp/none", 0)).toBe(E.ENOENT);
    expect(p.call(NR.faccessat, AT.FDCWD, "/tmp/f", 8)).toBe(E.EINVAL);
    expect(p.call(NR.faccessat2, AT.FDCWD, "/tmp/f", 0, 1)).toBe(E.EINVAL);
    const fd = p.open("/tmp/f");
    expect(p.call(NR.faccessat2, fd, "", 4, AT.EMPTY_PATH)).toBe(0n);
    expect(p.call(NR.faccessat2, AT.FDCWD, "/proc/self/status", 2, 0x200)).toBe(0n);
  });
});

describe("chdir, fchdir, getcwd, umask", () => {
  it("the working directory moves, getcwd names it; a removed one is ENOENT", () => {
    const p = proc();
    const b = p.buf(256);
    expect(p.call(NR.getcwd, b, 256)).toBe(2n);
    expect(p.text(b, 1)).toBe("/");
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o755);
    expect(p.call(NR.chdir, "/tmp/d")).toBe(0n);
    expect(p.call(NR.getcwd, b, 256)).toBe(7n);
    expect(p.text(b, 6)).toBe("/tmp/d");
    expect(p.call(NR.getcwd, b, 6)).toBe(E.ERANGE);
    expect(p.call(NR.getcwd, b, 0)).toBe(E.ERANGE);
    expect(p.call(NR.getcwd, 0, 256)).toBe(E.EFAULT);
    const tmp = p.open("/tmp", O.RDONLY | O.DIRECTORY);
    expect(p.call(NR.fchdir, tmp)).toBe(0n);
    expect(p.call(NR.getcwd, b, 256)).toBe(5n);
    expect(p.call(NR.fchdir, p.open("/proc/self/status"))).toBe(E.ENOTDIR);
    expect(p.call(NR.fchdir, -1)).toBe(E.EBADF);
    expect(p.call(NR.chdir, "/tmp/none")).toBe(E.ENOENT);
    expect(p.call(NR.chdir, "/proc/self/status")).toBe(E.ENOTDIR);
    expect(p.call(NR.chdir, "d")).toBe(0n);
    expect(p.call(NR.chdir, "..")).toBe(0n);
    expect(p.call(NR.chdir, "d")).toBe(0n);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/tmp/d", AT.REMOVEDIR)).toBe(0n);
    expect(p.call(NR.getcwd, b, 256)).toBe(E.ENOENT);
    expect(p.call(NR.openat, AT.FDCWD, "new", O.CREAT | O.WRONLY, 0o644)).toBe(E.ENOENT);
  });

  it("umask returns the old mask and applies to creations", () => {
    const p = proc();
    expect(p.call(NR.umask, 0o077)).toBe(0o022n);
    expect(p.call(NR.umask, 0o1777)).toBe(0o077n); // only the permission bits are kept
    expect(p.call(NR.umask, 0o027)).toBe(0o777n);
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o777);
    const st = p.buf(128);
    p.call(NR.newfstatat, AT.FDCWD, "/tmp/d", st, 0);
    expect(p.i32(st, 16) & 0o7777).toBe(0o750);
  });
});

describe("a writable host mount", () => {
  const h = hostDir();
  afterAll(h.done);
  writeFileSync(join(h.dir, "old"), "host");

  it("creates, writes, renames, truncates and removes real host files", () => {
    const p = proc({ mounts: [{ host: h.dir, guest: "/mnt", rw: true }] });
    touch(p, "/mnt/new", "from the guest");
    expect(readFileSync(join(h.dir, "new"), "utf8")).toBe("from the guest");
    expect(p.call(NR.renameat2, AT.FDCWD, "/mnt/new", AT.FDCWD, "/mnt/moved", 0)).toBe(0n);
    expect(existsSync(join(h.dir, "new"))).toBe(false);
    expect(p.call(NR.renameat2, AT.FDCWD, "/mnt/moved", AT.FDCWD, "/mnt/old", RENAME.NOREPLACE)).toBe(
      E.EEXIST,
    );
    expect(p.call(NR.renameat2, AT.FDCWD, "/mnt/moved", AT.FDCWD, "/tmp/x", 0)).toBe(E.EXDEV);
    expect(p.call(NR.truncate, "/mnt/moved", 4)).toBe(0n);
    expect(readFileSync(join(h.dir, "moved"), "utf8")).toBe("from");
    expect(p.call(NR.mkdirat, AT.FDCWD, "/mnt/dir", 0o755)).toBe(0n);
    touch(p, "/mnt/dir/x");
    expect(p.call(NR.unlinkat, AT.FDCWD, "/mnt/dir", AT.REMOVEDIR)).toBe(E.ENOTEMPTY);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/mnt/dir/x", 0)).toBe(0n);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/mnt/dir", AT.REMOVEDIR)).toBe(0n);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/mnt/moved", 0)).toBe(0n);
    expect(existsSync(join(h.dir, "moved"))).toBe(false);
    expect(p.call(NR.openat, AT.FDCWD, "/mnt/old", O.CREAT | 0o200 | O.WRONLY, 0o644)).toBe(E.EEXIST);
    expect(p.call(NR.unlinkat, AT.FDCWD, "/mnt", AT.REMOVEDIR)).toBe(E.EBUSY);
  });
});
