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
