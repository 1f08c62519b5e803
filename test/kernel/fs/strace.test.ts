// --strace of the file system calls: strace's argument formats (AT_FDCWD, open flags with the
// access mode first, octal modes shown only with O_CREAT, whence, *at flags, fcntl and ioctl
// commands, renameat2 and msync flags) and its error format.

import { describe, expect, it } from "vitest";
import { AT, NR, O, proc } from "./harness.js";

describe("strace of the file calls", () => {
  it("prints flags, modes and descriptors as strace does", () => {
    const p = proc();
    p.call(NR.openat, AT.FDCWD, "/tmp/f", O.WRONLY | O.CREAT | O.CLOEXEC, 0o640);
    p.call(NR.openat, AT.FDCWD, "/tmp", O.RDONLY | O.DIRECTORY);
    p.call(NR.openat, AT.FDCWD, "/none", O.RDONLY);
    p.call(NR.write, 3, p.bytes("hi\n"), 3);
    p.call(NR.lseek, 3, 0, 2);
    p.call(NR.fcntl, 3, 1, 0);
    p.call(NR.fcntl, 3, 4, O.NONBLOCK);
    p.call(NR.ioctl, 1, 0x5413, p.buf(8));
    p.call(NR.unlinkat, AT.FDCWD, "/tmp/d", 0x200);
    p.call(NR.mkdirat, AT.FDCWD, "/tmp/d", 0o755);
    p.call(NR.renameat2, AT.FDCWD, "/tmp/d", AT.FDCWD, "/tmp/e", 1);
    p.call(NR.faccessat, AT.FDCWD, "/tmp/f", 6);
    p.call(NR.pipe2, p.buf(8), O.CLOEXEC);
    p.call(NR.dup3, 3, 9, O.CLOEXEC);
    p.call(NR.close, 99);
    expect(p.trace).toEqual([
      'openat(AT_FDCWD, "/tmp/f", O_WRONLY|O_CREAT|O_CLOEXEC, 0640) = 3',
      'openat(AT_FDCWD, "/tmp", O_RDONLY|O_DIRECTORY) = 4',
      'openat(AT_FDCWD, "/none", O_RDONLY) = -1 ENOENT (No such file or directory)',
      'write(3, "hi\\n", 3) = 3',
      "lseek(3, 0, SEEK_END) = 3",
      "fcntl(3, F_GETFD) = 1",
      "fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK) = 0",
      expect.stringMatching(
        /^ioctl\(1, TIOCGWINSZ, 0x[0-9a-f]+\) = -1 ENOTTY \(Inappropriate ioctl for device\)$/,
      ),
      'unlinkat(AT_FDCWD, "/tmp/d", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)',
      'mkdirat(AT_FDCWD, "/tmp/d", 0755) = 0',
      'renameat2(AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/e", RENAME_NOREPLACE) = 0',
      'faccessat(AT_FDCWD, "/tmp/f", R_OK|W_OK) = 0',
      expect.stringMatching(/^pipe2\(0x[0-9a-f]+, O.CLOEXEC\) = 0$/),
      "dup3(3, 9, O_CLOEXEC) = 9",
      "close(99) = -1 EBADF (Bad file descriptor)",
    ]);
  });
});
