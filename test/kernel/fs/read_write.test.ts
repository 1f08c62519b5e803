// read, write, pread64, pwrite64, readv, writev, preadv, pwritev and lseek (fs/read_write.c):
// the checks (EBADF, EFAULT, EINVAL, EISDIR, ESPIPE), partial transfers at a bad page, f_pos,
// O_APPEND, SEEK_DATA/SEEK_HOLE, and bounded chunks however large the count.

import { describe, expect, it } from "vitest";
import { RW_CHUNK } from "../../../src/kernel/syscalls/fs.js";
import { E, NR, O, proc } from "./harness.js";

const PAGE = 4096;

describe("read and write", () => {
  it("move f_pos; pread and pwrite do not", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    expect(p.puts(fd, "0123456789")).toBe(10);
    expect(p.call(NR.lseek, fd, 0, 1)).toBe(10n); // SEEK_CUR
    const b = p.buf(16);
    expect(p.call(NR.pread64, fd, b, 4, 3)).toBe(4n);
    expect(p.text(b, 4)).toBe("3456");
    expect(p.call(NR.pwrite64, fd, p.bytes("ab"), 2, 20)).toBe(2n);
    expect(p.call(NR.lseek, fd, 0, 1)).toBe(10n);
    expect(p.call(NR.fstat, fd, b)).toBe(0n);
    expect(p.cat("/tmp/f")).toBe(`0123456789${"\0".repeat(10)}ab`);
  });

  it("O_APPEND writes at the end whatever f_pos says; pwrite too (Linux's O_APPEND pwrite)", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR | O.APPEND);
    p.puts(fd, "abc");
    p.call(NR.lseek, fd, 0, 0);
    p.puts(fd, "def");
    expect(p.call(NR.pwrite64, fd, p.bytes("g"), 1, 0)).toBe(1n);
    expect(p.cat("/tmp/f")).toBe("abcdefg");
  });

  it("fail as Linux does", () => {
    const p = proc();
    const rd = p.open("/tmp/f", O.CREAT | O.WRONLY);
    const b = p.buf(16);
    expect(p.call(NR.read, -1, b, 1)).toBe(E.EBADF);
    expect(p.call(NR.read, 999, b, 1)).toBe(E.EBADF);
    expect(p.call(NR.read, rd, b, 1)).toBe(E.EBADF); // not open for reading
    expect(p.call(NR.write, p.open("/tmp"), b, 1)).toBe(E.EBADF);
    expect(p.call(NR.read, p.open("/tmp", O.DIRECTORY), b, 1)).toBe(E.EISDIR);
    expect(p.call(NR.write, rd, 0, 1)).toBe(E.EFAULT);
    expect(p.call(NR.write, rd, 1, 1)).toBe(E.EFAULT);
    expect(p.call(NR.write, rd, 0xffffaf8000000000n, 1)).toBe(E.EFAULT);
    expect(p.call(NR.write, rd, 0, 0)).toBe(0n); // count 0 looks at nothing
    expect(p.call(NR.pwrite64, rd, b, 1, -1)).toBe(E.EINVAL);
    expect(p.call(NR.pread64, p.open("/tmp/f"), b, 1, -1)).toBe(E.EINVAL);
    const [r] = p.pipe();
    expect(p.call(NR.pread64, r, b, 1, 0)).toBe(E.ESPIPE);
    expect(p.call(NR.lseek, r, 0, 0)).toBe(E.ESPIPE);
  });

  it("a read of a file into a buffer running into an unmapped page copies what fits", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    p.puts(fd, "x".repeat(3 * PAGE));
    const region = p.call(NR.mmap, 0, 2 * PAGE, 3, 0x22, -1, 0);
    expect(p.call(NR.munmap, region + BigInt(PAGE), PAGE)).toBe(0n);
    expect(p.call(NR.pread64, fd, region + 100n, 2 * PAGE, 0)).toBe(BigInt(PAGE - 100));
    // a write whose buffer runs into the hole writes the mapped part (Linux 6.18's answer)
    expect(p.call(NR.pwrite64, fd, region, 2 * PAGE, 0)).toBe(BigInt(PAGE));
    expect(p.call(NR.pwrite64, fd, region + BigInt(PAGE), 8, 0)).toBe(E.EFAULT);
  });

  it("a write at the largest offset kept is EFBIG; one running past it is cut", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    expect(p.call(NR.pwrite64, fd, p.bytes("abc"), 3, max)).toBe(E.EFBIG);
    expect(p.call(NR.pwrite64, fd, p.bytes("abc"), 3, max - 2n)).toBe(2n);
    expect(p.call(NR.pwrite64, fd, p.bytes("abc"), 0, max)).toBe(0n);
  });

  it("a count larger than the file or MAX_RW_COUNT is fine (bounded chunks); one past user space is EFAULT", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    p.puts(fd, "y".repeat(RW_CHUNK + 10));
    const b = p.buf(RW_CHUNK + 100);
    expect(p.call(NR.pread64, fd, b, 1n << 40n, 0)).toBe(BigInt(RW_CHUNK + 10));
    expect(p.call(NR.pread64, fd, b, 1n << 40n, RW_CHUNK + 10)).toBe(0n);
    // a buffer reaching past user space is EFAULT before anything moves (access_ok)
    p.call(NR.lseek, fd, 0, 0);
    expect(p.call(NR.read, fd, b, 1n << 62n)).toBe(E.EFAULT);
    expect(p.call(NR.write, fd, b, 1n << 53n)).toBe(E.EFAULT);
    expect(p.call(NR.lseek, fd, 0, 1)).toBe(0n);
  });
});

describe("readv and writev", () => {
  /** An iovec array of [base, len] pairs. */
  function iov(p: ReturnType<typeof proc>, parts: [bigint, number][]): bigint {
    const a = p.buf(parts.length * 16);
    const b = new Uint8Array(parts.length * 16);
    const v = new DataView(b.buffer);
    for (const [i, [base, len]] of parts.entries()) {
      v.setBigUint64(i * 16, base, true);
      v.setBigUint64(i * 16 + 8, BigInt(len), true);
    }
    p.write(a, b);
    return a;
  }

  it("gather and scatter in order; preadv/pwritev at an offset", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    const v = iov(p, [
      [p.bytes("hello "), 6],
      [p.bytes(""), 0],
      [p.bytes("world"), 5],
    ]);
    expect(p.call(NR.writev, fd, v, 3)).toBe(11n);
    const a = p.buf(4);
    const b = p.buf(16);
    expect(
      p.call(
        NR.preadv,
        fd,
        iov(p, [
          [a, 4],
          [b, 16],
        ]),
        2,
        1,
      ),
    ).toBe(10n);
    expect(p.text(a, 4) + p.text(b, 6)).toBe("ello world");
    expect(p.call(NR.pwritev, fd, iov(p, [[p.bytes("J"), 1]]), 1, 6)).toBe(1n);
    expect(p.cat("/tmp/f")).toBe("hello Jorld");
    p.call(NR.lseek, fd, 0, 0);
    expect(p.call(NR.readv, fd, iov(p, [[b, 5]]), 1)).toBe(5n);
  });

  it("fail as Linux does", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    expect(p.call(NR.writev, -1, 0, 0)).toBe(E.EBADF);
    expect(p.call(NR.writev, fd, 0, -1)).toBe(E.EINVAL);
    expect(p.call(NR.writev, fd, 0, 1025)).toBe(E.EINVAL); // UIO_MAXIOV
    expect(p.call(NR.writev, fd, 0, 1)).toBe(E.EFAULT);
    expect(p.call(NR.writev, fd, iov(p, [[p.bytes("a"), -1]]), 1)).toBe(E.EINVAL);
    expect(p.call(NR.writev, fd, 0, 0)).toBe(0n);
    expect(p.call(NR.preadv, fd, iov(p, [[p.buf(4), 4]]), 1, -1)).toBe(E.EINVAL);
  });
});

describe("lseek", () => {
  it("SEEK_SET/CUR/END, beyond the end, SEEK_DATA and SEEK_HOLE", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    p.puts(fd, "0123456789");
    expect(p.call(NR.lseek, fd, 5, 0)).toBe(5n);
    expect(p.call(NR.lseek, fd, 2, 1)).toBe(7n);
    expect(p.call(NR.lseek, fd, -3, 2)).toBe(7n);
    expect(p.call(NR.lseek, fd, 1n << 40n, 0)).toBe(1n << 40n);
    expect(p.call(NR.lseek, fd, 0, 3)).toBe(0n); // SEEK_DATA
    expect(p.call(NR.lseek, fd, 3, 4)).toBe(10n); // SEEK_HOLE: the end
    expect(p.call(NR.lseek, fd, 10, 3)).toBe(E.ENXIO);
    expect(p.call(NR.lseek, fd, -1, 0)).toBe(E.EINVAL);
    expect(p.call(NR.lseek, fd, -200, 2)).toBe(E.EINVAL);
    expect(p.call(NR.lseek, fd, 0, 7)).toBe(E.EINVAL);
    expect(p.call(NR.lseek, -1, 0, 0)).toBe(E.EBADF);
  });
});
