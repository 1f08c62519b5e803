// The descriptor calls (dup, dup3, fcntl, ioctl, close_range: fs/file.c, fs/fcntl.c,
// fs/ioctl.c), pipes (fs/pipe.c: 64 KiB, PIPE_BUF atomicity, EOF, EAGAIN, EPIPE and SIGPIPE,
// FIONREAD) and poll/ppoll/pselect6 (fs/select.c) without sleeping.

import { describe, expect, it } from "vitest";
import { BLOCK } from "../../../src/kernel/wait.js";
import { AT, E, F, IOCTL, NR, O, POLL, type Proc, proc } from "./harness.js";

describe("dup, dup3, fcntl", () => {
  it("dup shares the open file (and its offset); dup3 replaces, with O_CLOEXEC", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    p.puts(fd, "abcdef");
    const d = Number(p.call(NR.dup, fd));
    expect(d).toBe(fd + 1);
    expect(p.call(NR.lseek, d, 0, 1)).toBe(6n);
    p.call(NR.lseek, fd, 2, 0);
    expect(p.gets(d, 2)).toBe("cd");
    expect(p.call(NR.dup3, fd, 50, O.CLOEXEC)).toBe(50n);
    expect(p.call(NR.fcntl, 50, F.GETFD, 0)).toBe(1n);
    expect(p.call(NR.dup3, d, 50, 0)).toBe(50n); // replaces, close-on-exec cleared
    expect(p.call(NR.fcntl, 50, F.GETFD, 0)).toBe(0n);
    expect(p.call(NR.close, fd)).toBe(0n);
    expect(p.gets(50, 2)).toBe("ef"); // the file lives on through the other descriptors
  });

  it("dup and dup3 fail as Linux does", () => {
    const p = proc();
    expect(p.call(NR.dup, -1)).toBe(E.EBADF);
    expect(p.call(NR.dup, 77)).toBe(E.EBADF);
    expect(p.call(NR.dup3, 1, 1, 0)).toBe(E.EINVAL);
    expect(p.call(NR.dup3, 1, 5, O.NONBLOCK)).toBe(E.EINVAL);
    expect(p.call(NR.dup3, -1, 5, 0)).toBe(E.EBADF);
    expect(p.call(NR.dup3, 1, 1 << 20, 0)).toBe(E.EBADF);
    expect(p.call(NR.dup3, 1, -1, 0)).toBe(E.EBADF);
  });

  it("fcntl: F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL, F_GETPIPE_SZ", () => {
    const p = proc();
    const fd = p.open("/tmp/f", O.CREAT | O.RDWR);
    expect(p.call(NR.fcntl, fd, F.DUPFD, 10)).toBe(10n);
    expect(p.call(NR.fcntl, fd, F.DUPFD, 10)).toBe(11n);
    expect(p.call(NR.fcntl, fd, F.DUPFD_CLOEXEC, 0)).toBe(4n);
    expect(p.call(NR.fcntl, 4, F.GETFD, 0)).toBe(1n);
    expect(p.call(NR.fcntl, 4, F.SETFD, 0)).toBe(0n);
    expect(p.call(NR.fcntl, 4, F.GETFD, 0)).toBe(0n);
    expect(p.call(NR.fcntl, fd, F.GETFL, 0)).toBe(BigInt(O.RDWR | 0o100000)); // O_LARGEFILE
    expect(p.call(NR.fcntl, fd, F.SETFL, O.NONBLOCK | 0o2000 | 0o1)).toBe(0n); // access mode kept
    expect(p.call(NR.fcntl, fd, F.GETFL, 0)).toBe(BigInt(O.RDWR | O.NONBLOCK | 0o2000 | 0o100000));
    const [r] = p.pipe();
    expect(p.call(NR.fcntl, r, F.GETPIPE_SZ, 0)).toBe(65536n);
    expect(p.call(NR.fcntl, fd, F.GETPIPE_SZ, 0)).toBe(E.EBADF);
    expect(p.call(NR.fcntl, -1, F.GETFD, 0)).toBe(E.EBADF);
    expect(p.call(NR.fcntl, fd, 9999, 0)).toBe(E.EINVAL);
    expect(p.call(NR.fcntl, fd, F.DUPFD, -1)).toBe(E.EINVAL);
    expect(p.call(NR.fcntl, fd, F.DUPFD, 1 << 20)).toBe(E.EINVAL);
  });

  it("close_range closes or marks close-on-exec", () => {
    const p = proc();
    for (let i = 0; i < 4; i++) p.open("/tmp", O.RDONLY);
    expect(p.call(NR.close_range, 4, 5, 4)).toBe(0n); // CLOSE_RANGE_CLOEXEC
    expect(p.call(NR.fcntl, 5, F.GETFD, 0)).toBe(1n);
    expect(p.call(NR.close_range, 4, 0xffffffff, 0)).toBe(0n);
    expect(p.call(NR.fcntl, 3, F.GETFD, 0)).toBe(0n);
    expect(p.call(NR.fcntl, 4, F.GETFD, 0)).toBe(E.EBADF);
    expect(p.call(NR.close_range, 5, 4, 0)).toBe(E.EINVAL);
    expect(p.call(NR.close_range, 0, 1, 1)).toBe(E.EINVAL);
  });
});

describe("ioctl", () => {
  it("TCGETS and TIOCGWINSZ on a terminal; ENOTTY elsewhere; FIONREAD on a pipe", () => {
    const tty = proc({ isatty: true });
    const b = tty.buf(64);
    expect(tty.call(NR.ioctl, 1, IOCTL.TCGETS, b)).toBe(0n);
    expect(tty.call(NR.ioctl, 1, IOCTL.TIOCGWINSZ, b)).toBe(0n);
    expect([tty.read(b, 4)[0], tty.read(b, 4)[2]]).toEqual([24, 80]);
    expect(tty.call(NR.ioctl, 1, IOCTL.TCGETS, 0)).toBe(E.EFAULT);
    const fd = Number(tty.call(NR.openat, AT.FDCWD, "/dev/tty", O.RDWR));
    expect(tty.call(NR.ioctl, fd, IOCTL.TIOCGWINSZ, b)).toBe(0n);
    const p = proc();
    expect(p.call(NR.ioctl, 1, IOCTL.TCGETS, b)).toBe(E.ENOTTY);
    expect(p.call(NR.ioctl, p.open("/tmp"), IOCTL.TCGETS, b)).toBe(E.ENOTTY);
    expect(p.call(NR.ioctl, -1, IOCTL.TCGETS, b)).toBe(E.EBADF);
    const [r, w] = p.pipe();
    p.puts(w, "12345");
    expect(p.call(NR.ioctl, r, IOCTL.FIONREAD, b)).toBe(0n);
    expect(p.i32(b)).toBe(5);
    expect(p.call(NR.ioctl, r, IOCTL.TCGETS, b)).toBe(E.ENOTTY);
  });
});

describe("pipes", () => {
  it("bytes in order; EOF once the writer is gone", () => {
    const p = proc();
    const [r, w] = p.pipe();
    p.puts(w, "hello ");
    p.puts(w, "world");
    expect(p.gets(r, 3)).toBe("hel");
    expect(p.gets(r, 100)).toBe("lo world");
    p.call(NR.close, w);
    expect(p.gets(r, 100)).toBe("");
  });

  it("64 KiB capacity; a small write goes whole or not at all (PIPE_BUF); EAGAIN when non-blocking", () => {
    const p = proc();
    const [r, w] = p.pipe(O.NONBLOCK);
    const big = p.buf(70000);
    expect(p.call(NR.write, w, big, 70000)).toBe(65536n);
    expect(p.call(NR.write, w, big, 1)).toBe(E.EAGAIN);
    expect(p.call(NR.read, r, p.buf(100), 100)).toBe(100n);
    // 100 bytes free: a 200-byte write (<= PIPE_BUF) cannot go in part
    expect(p.call(NR.write, w, big, 200)).toBe(E.EAGAIN);
    expect(p.call(NR.read, r, big, 70000)).toBe(65436n);
    expect(p.call(NR.read, r, big, 10)).toBe(E.EAGAIN);
    expect(p.call(NR.write, w, big, 4096)).toBe(4096n);
  });

  it("pipe pages come from the page allocator and go back", () => {
    const p = proc();
    const data = p.buf(65536);
    const [r, w] = p.pipe();
    const free = p.k.pages.nr_free_pages();
    p.call(NR.write, w, data, 65536);
    expect(free - p.k.pages.nr_free_pages()).toBe(16);
    p.call(NR.close, r);
    p.call(NR.close, w);
    expect(p.k.pages.nr_free_pages()).toBe(free);
  });

  it("no reader: EPIPE, and SIGPIPE ends the writer unless it is ignored", () => {
    const p = proc();
    const [r, w] = p.pipe();
    p.t.sighand.action[13]!.handler = 1n; // SIG_IGN
    p.call(NR.close, r);
    expect(p.call(NR.write, w, p.bytes("x"), 1)).toBe(E.EPIPE);
    const q = proc();
    const [r2, w2] = q.pipe();
    q.call(NR.close, r2);
    expect(q.call(NR.write, w2, q.bytes("x"), 1)).toBe(E.EPIPE);
    expect(q.t.sig.shared_pending.signal).toBe(1n << 12n); // pending until the way back to user mode
    q.k.sched.run(100);
    expect(q.t.running).toBe(false);
    expect([q.t.exitCode, q.t.signal]).toEqual([141, 13]);
  });

  it("pipe2 fails as Linux does", () => {
    const p = proc();
    expect(p.call(NR.pipe2, 0, 0)).toBe(E.EFAULT);
    expect(p.call(NR.pipe2, 1, 0)).toBe(E.EFAULT);
    expect(p.call(NR.pipe2, p.buf(8), 1)).toBe(E.EINVAL); // O_WRONLY
    expect(p.t.files.nr_open).toBe(3); // the failed calls left no descriptor behind
    p.t.files.rlim_nofile = 4;
    expect(p.call(NR.pipe2, p.buf(8), 0)).toBe(E.EMFILE);
    expect(p.t.files.nr_open).toBe(3);
  });

  it("a blocking read of an empty pipe sleeps (the task leaves the run queue)", () => {
    const p = proc();
    const [r] = p.pipe();
    expect(p.call(NR.read, r, p.buf(8), 8)).toBe(BLOCK);
    expect(p.t.state).toBe("interruptible");
  });
});

/** ppoll over (fd, events) pairs with a zero timeout: [ready count, revents...]. */
function ppoll(p: Proc, fds: [number, number][]): number[] {
  const a = p.buf(fds.length * 8);
  const b = new Uint8Array(fds.length * 8);
  const v = new DataView(b.buffer);
  for (const [i, [fd, ev]] of fds.entries()) {
    v.setInt32(i * 8, fd, true);
    v.setInt16(i * 8 + 4, ev, true);
  }
  p.write(a, b);
  const ts = p.buf(16);
  const n = p.call(NR.ppoll, a, fds.length, ts, 0, 8);
  const out = new DataView(p.read(a, fds.length * 8).buffer);
  return [Number(n), ...fds.map((_, i) => out.getInt16(i * 8 + 6, true))];
}

describe("poll", () => {
  it("ppoll reports pipes, files, the terminal and bad descriptors", () => {
    const p = proc();
    const [r, w] = p.pipe();
    const f = p.open("/tmp/f", O.CREAT | O.RDWR);
    expect(
      ppoll(p, [
        [r, POLL.IN],
        [w, POLL.OUT],
        [f, POLL.IN | POLL.OUT],
        [99, POLL.IN],
        [-1, POLL.IN],
      ]),
    ).toEqual([3, 0, POLL.OUT, POLL.IN | POLL.OUT, POLL.NVAL, 0]);
    p.puts(w, "x");
    expect(ppoll(p, [[r, POLL.IN]])).toEqual([1, POLL.IN]);
    p.call(NR.close, w);
    expect(ppoll(p, [[r, POLL.IN]])).toEqual([1, POLL.IN | POLL.HUP]);
    const [r2, w2] = p.pipe();
    p.call(NR.close, r2);
    expect(ppoll(p, [[w2, POLL.OUT]])).toEqual([1, POLL.OUT | POLL.ERR]);
    expect(
      ppoll(p, [
        [0, POLL.IN],
        [1, POLL.OUT],
      ]),
    ).toEqual([2, POLL.IN, POLL.OUT]);
  });

  it("fail as Linux does", () => {
    const p = proc();
    const ts = p.buf(16);
    expect(p.call(NR.ppoll, 0, 1, ts, 0, 8)).toBe(E.EFAULT);
    expect(p.call(NR.ppoll, 0, 1 << 20, ts, 0, 8)).toBe(E.EINVAL);
    const bad = p.bytes(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0xca, 0x9a, 0x3b, 0, 0, 0, 0]));
    expect(p.call(NR.ppoll, p.buf(8), 0, bad, 0, 8)).toBe(E.EINVAL); // tv_nsec 1e9
    expect(p.call(NR.ppoll, p.buf(8), 0, 1, 0, 8)).toBe(E.EFAULT);
  });

  it("pselect6: read and write sets with a zero timeout", () => {
    const p = proc();
    const [r, w] = p.pipe();
    const set = (fds: number[]): bigint => {
      const b = new Uint8Array(8);
      for (const fd of fds) b[fd >> 3]! |= 1 << (fd & 7);
      return p.bytes(b);
    };
    const rd = set([r]);
    const wr = set([w]);
    const ts = p.buf(16);
    expect(p.call(NR.pselect6, 8, rd, wr, 0, ts, 0)).toBe(1n);
    expect(p.read(rd, 1)[0]).toBe(0);
    expect(p.read(wr, 1)[0]).toBe(1 << w);
    p.puts(w, "x");
    const rd2 = set([r]);
    expect(p.call(NR.pselect6, 8, rd2, 0, 0, ts, 0)).toBe(1n);
    expect(p.read(rd2, 1)[0]).toBe(1 << r);
    expect(p.call(NR.pselect6, 8, set([7]), 0, 0, ts, 0)).toBe(E.EBADF);
    expect(p.call(NR.pselect6, -1, 0, 0, 0, ts, 0)).toBe(E.EINVAL);
    expect(p.call(NR.pselect6, 8, 1, 0, 0, ts, 0)).toBe(E.EFAULT);
  });
});
