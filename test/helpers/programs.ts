// Small programs shared by the tests: user-mode ones for the kernel and CLI tests, and a
// bare-metal probe for the sweep and session tests.

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

/** A --bare guest that prints Y when a write of satp MODE=8 (Sv39) in M-mode sticks, N when it
 *  is ignored (WARL: the mode is not allowed, as with --satp sv48), a newline, then ends through
 *  the test finisher with status `code`. */
export const satpProbe = (code = 0): string => `
_start: li t0, 8
        slli t0, t0, 60
        csrw satp, t0
        csrr t1, satp
        li t2, 0x10000000
        li t3, 78
        beqz t1, 1f
        li t3, 89
1:      sb t3, 0(t2)
        li t3, 10
        sb t3, 0(t2)
        li t0, 0x100000
        li t1, ${code === 0 ? 0x5555 : (code << 16) | 0x3333}
        sw t1, 0(t0)
2:      j 2b
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
