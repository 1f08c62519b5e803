// HTIF through the `tohost` symbol, the convention of the official RISC-V ISA tests and Spike
// (docs/reference/emulators.md). A tohost value is device (bits 63..56), command (55..48) and
// payload (47..0), as Spike's front-end server (fesvr) reads it:
// - device 0, command 0, payload odd: the run ends ((n << 1) | 1: test n failed, 1: pass);
// - device 0, command 0, payload even and not 0: a proxied system call; the payload is the
//   physical address of eight 64-bit words, the call number then its arguments. The host runs
//   it, puts the result in the first word, clears tohost and writes 1 to fromhost (fesvr's
//   syscall.cc: handle_syscall, dispatch). Numbers are Linux riscv64's, as in fesvr's table;
//   mmlab serves write (64) to fd 1 and 2, the console, and exit (93) (riscv-tests'
//   benchmarks/common/syscalls.c prints through write and ends through tohost);
// - device 1, command 1 (0x0101 << 48 | ch): ch on the console, after which the host writes 0
//   back to tohost.

import type { PhysMem } from "../../mmu/index.js";

/** What a store to tohost asks for. */
export type HtifRequest =
  | { kind: "exit"; code: number }
  | { kind: "putchar"; byte: number }
  | { kind: "syscall"; addr: number }
  | { kind: "unsupported"; value: bigint }
  | { kind: "none" };

const CONSOLE_PUTCHAR = 0x0101n << 48n;

/** Interpret a tohost value. */
export function htifRequest(v: bigint): HtifRequest {
  if (v === 0n) return { kind: "none" };
  if ((v & 1n) === 1n && v >> 32n === 0n) return { kind: "exit", code: Number(v >> 1n) };
  if ((v & 1n) === 0n && v >> 48n === 0n) return { kind: "syscall", addr: Number(v) };
  if (v >> 48n === CONSOLE_PUTCHAR >> 48n) return { kind: "putchar", byte: Number(v & 0xffn) };
  return { kind: "unsupported", value: v };
}

/** Linux riscv64 numbers of the proxied calls mmlab serves, and the errors they return. */
export const HTIF_SYS_WRITE = 64n;
export const HTIF_SYS_EXIT = 93n;
const EBADF = 9n;
const EFAULT = 14n;

/** How a proxied system call went: a value for the guest, or the end of the run. */
export type HtifSyscallOutcome =
  | { kind: "return"; value: bigint }
  | { kind: "exit"; code: number }
  | { kind: "unsupported"; reason: string };

/** Run the system call whose eight-word block is at RAM offset `block`; console bytes go to
 *  `out`. Reads guest RAM only; the caller writes the result back and answers in fromhost. */
export function htifSyscall(mem: PhysMem, block: number, out: (byte: number) => void): HtifSyscallOutcome {
  const n = mem.readRam(block, 8);
  const arg = (i: number): bigint => mem.readRam(block + 8 * i, 8);
  if (n === HTIF_SYS_EXIT) return { kind: "exit", code: Number(BigInt.asUintN(32, arg(1))) };
  if (n === HTIF_SYS_WRITE) return { kind: "return", value: htifWrite(mem, arg(1), arg(2), arg(3), out) };
  return {
    kind: "unsupported",
    reason: `not supported: HTIF system call ${n} (only write 64 and exit 93 are served)`,
  };
}

/** write(fd, buf, len) with buf a physical address: the bytes to the console for fd 1 and 2,
 *  -EBADF for any other fd, -EFAULT when the buffer is not all in RAM (both two's complement). */
function htifWrite(mem: PhysMem, fd: bigint, buf: bigint, len: bigint, out: (byte: number) => void): bigint {
  if (fd !== 1n && fd !== 2n) return BigInt.asUintN(64, -EBADF);
  const off = buf + len > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : mem.ramOffset(Number(buf), Number(len));
  if (off < 0) return BigInt.asUintN(64, -EFAULT);
  for (let i = 0; i < Number(len); i++) out(mem.u8[off + i]!);
  return len;
}
