// Character devices (drivers/char/mem.c, drivers/tty): /dev/null, /dev/zero, /dev/full,
// /dev/random and /dev/urandom (the kernel's seeded generator, so runs stay deterministic),
// and the terminal: the program's standard streams and /dev/tty, on the host's stdin, stdout
// and stderr (TaskIo). A read of the terminal takes what the host has (nothing left: end of
// file, as `mmlab run` documents); a host whose input comes later (the web page's terminal)
// says "nothing yet", and the reader sleeps on the terminal's wait queue until the host calls
// tty_input(). TCGETS and TIOCGWINSZ answer when the host stream is a terminal, ENOTTY
// otherwise.

import { EAGAIN, EFAULT, ENOSPC, ENOTTY, ENXIO } from "../errno.js";
import type { TaskIo } from "../process.js";
import { wait_queue_head } from "../wait.js";
import { type file_operations, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "./types.js";

/** Device numbers (Documentation/admin-guide/devices.txt): major << 8 | minor. */
export const MKDEV = (major: number, minor: number): number => (major << 8) | minor;
export const DEV_NULL = MKDEV(1, 3);
export const DEV_ZERO = MKDEV(1, 5);
export const DEV_FULL = MKDEV(1, 7);
export const DEV_RANDOM = MKDEV(1, 8);
export const DEV_URANDOM = MKDEV(1, 9);
export const DEV_TTY = MKDEV(5, 0);
export const DEV_CONSOLE = MKDEV(5, 1);

// Terminal ioctls (include/uapi/asm-generic/ioctls.h).
export const TCGETS = 0x5401;
export const TIOCGWINSZ = 0x5413;

const ALWAYS_READY = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;

const mem_fops = (
  read: (len: number) => Uint8Array,
  write: (n: number) => number | bigint,
): file_operations => ({
  seekable: true,
  read: (_f, len) => read(len),
  write: (_f, data) => write(data.length),
  poll: () => ALWAYS_READY,
});

/** struct termios (asm-generic, 36 bytes) of a cooked terminal: ICRNL|IXON, OPOST|ONLCR,
 *  B38400|CS8|CREAD|HUPCL, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, and the
 *  control characters stty shows by default (^C ^\ ^? ^U ^D ...). */
function termios(): Uint8Array {
  const b = new Uint8Array(36);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0o2400, true); // c_iflag: ICRNL | IXON
  v.setUint32(4, 0o5, true); // c_oflag: OPOST | ONLCR
  v.setUint32(8, 0o2277, true); // c_cflag: B38400 | CS8 | CREAD | HUPCL
  v.setUint32(12, 0o105073, true); // c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  b.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0], 17); // c_cc (VINTR...)
  return b;
}

/** struct winsize of an 80x24 terminal. */
function winsize(): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint16(0, 24, true);
  v.setUint16(2, 80, true);
  return b;
}

/** Each host terminal's wait queue (the readers waiting for its input). */
const tty_waits = new WeakMap<TaskIo, wait_queue_head>();

function tty_wait(io: TaskIo): wait_queue_head {
  let wq = tty_waits.get(io);
  if (!wq) {
    wq = new wait_queue_head("tty_read", true);
    tty_waits.set(io, wq);
  }
  return wq;
}

/** The host has input (or end of file) for terminal `io`: wake its readers. */
export function tty_input(io: TaskIo): void {
  tty_waits.get(io)?.wake_up_all();
}

/** A file on the terminal: reads from the host's stdin, writes to host stream `out`. */
export function tty_fops(io: TaskIo, inStream: number, out: 1 | 2): file_operations {
  return {
    seekable: false,
    read: (_f, len) => io.stdin(len) ?? -EAGAIN,
    wait: () => tty_wait(io),
    write: (_f, data) => io.write(out, data) ?? data.length,
    poll: () => ALWAYS_READY, // the host's stdin never blocks here: empty reads as end of file
    ioctl: (_f, cmd, _arg, put) => {
      if (!io.isatty(inStream)) return -ENOTTY;
      if (cmd === TCGETS) return put(termios()) ? 0n : -EFAULT;
      if (cmd === TIOCGWINSZ) return put(winsize()) ? 0n : -EFAULT;
      return -ENOTTY;
    },
  };
}

/** The character devices by number: their file operations, or -ENXIO (no such device). */
export function chrdev_open(
  rdev: number,
  random: (n: number) => Uint8Array,
  console: () => TaskIo | null,
): file_operations | bigint {
  switch (rdev) {
    case DEV_NULL:
      return mem_fops(
        () => new Uint8Array(0),
        (n) => n,
      );
    case DEV_ZERO:
      return mem_fops(
        (len) => new Uint8Array(len),
        (n) => n,
      );
    case DEV_FULL:
      return mem_fops(
        (len) => new Uint8Array(len),
        () => -ENOSPC,
      );
    case DEV_RANDOM:
    case DEV_URANDOM:
      return mem_fops(random, (n) => n);
    case DEV_TTY:
    case DEV_CONSOLE: {
      const io = console();
      // /dev/tty writes go to the host's stderr: the terminal even when stdout is redirected.
      return io ? tty_fops(io, 0, 2) : -ENXIO;
    }
  }
  return -ENXIO;
}
