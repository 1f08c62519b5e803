// Small user-mode programs shared by the kernel and CLI tests.

/** Writes "hello, world\n" to stdout with write(2) and exits with status 3 (exit_group). */
export const HELLO_USER = `
  .text
  .globl _start
_start:
    li a0, 1
    la a1, msg
    li a2, 13
    li a7, 64
    ecall
    li a0, 3
    li a7, 94
    ecall
  .data
msg: .ascii "hello, world\\n"
`;

/** Assembly for mmap(addr, len, PROT_READ | PROT_WRITE, flags, -1, 0), by default at no
 *  address with MAP_PRIVATE | MAP_ANONYMOUS; the address (or -errno) ends up in a0. */
export function mmapAsm(len: number, opts: { addr?: number; flags?: number } = {}): string {
  return `
    li a0, ${opts.addr ?? 0}
    li a1, ${len}
    li a2, 3                # PROT_READ | PROT_WRITE
    li a3, ${opts.flags ?? 0x22}
    li a4, -1
    li a5, 0
    li a7, 222              # mmap
    ecall`;
}
