// The demo guest of `mmlab demo` (and the web playground's benchmark page): RV64IMAC assembly
// that the assembler (src/asm) turns into a bare-metal ELF.

/** The demo guest, RV64IMAC assembly. */
export const DEMO_SOURCE = `# mmlab demo: a bare-metal RV64 guest. Hart 0 greets through the UART, sieves the primes
# below N, prints what it found in decimal and a CRC-32 in hex, then ends the run through the
# test finisher; any other hart sleeps in wfi.

        .equ UART, 0x10000000           # 16550 transmit register (byte writes)
        .equ FINISHER, 0x100000         # test finisher: 0x5555 = pass
        .equ N, 1000000

        .text
        .globl _start
_start:
        csrr    t0, mhartid
        bnez    t0, park
        la      sp, stack_top

        la      a0, hello
        call    puts

        # Sieve of Eratosthenes: sieve[i] = 1 marks i as composite.
        la      s0, sieve
        li      s1, N
        li      s5, 2                   # i
sieve_outer:
        mul     t1, s5, s5              # i * i
        bgeu    t1, s1, sieve_done
        add     t2, s0, s5
        lbu     t3, 0(t2)
        bnez    t3, sieve_next          # i is composite: its multiples are marked already
        add     t2, s0, t1              # &sieve[i * i]
        add     t4, s0, s1              # &sieve[N]
        li      t5, 1
1:      sb      t5, 0(t2)
        add     t2, t2, s5
        bltu    t2, t4, 1b
sieve_next:
        addi    s5, s5, 1
        j       sieve_outer
sieve_done:

        # Count the primes, add them up, remember the largest.
        li      s2, 0                   # count
        li      s3, 0                   # sum
        li      s4, 0                   # largest
        li      s5, 2
1:      add     t2, s0, s5
        lbu     t3, 0(t2)
        bnez    t3, 2f
        addi    s2, s2, 1
        add     s3, s3, s5
        mv      s4, s5
2:      addi    s5, s5, 1
        bltu    s5, s1, 1b

        la      a0, msg_count
        call    puts
        mv      a0, s2
        call    putu
        la      a0, msg_largest
        call    puts
        mv      a0, s4
        call    putu
        la      a0, msg_sum
        call    puts
        mv      a0, s3
        call    putu
        la      a0, msg_first
        call    puts

        # The first ten primes.
        li      s2, 10
        li      s5, 2
1:      add     t2, s0, s5
        lbu     t3, 0(t2)
        bnez    t3, 2f
        li      a0, ' '
        call    putc
        mv      a0, s5
        call    putu
        addi    s2, s2, -1
2:      addi    s5, s5, 1
        bnez    s2, 1b

        la      a0, msg_crc
        call    puts
        la      a0, check
        li      a1, 9
        call    crc32
        call    puthex
        la      a0, bye
        call    puts

        li      t0, FINISHER
        li      t1, 0x5555
        sw      t1, 0(t0)
1:      j       1b

park:   wfi
        j       park

# putc(a0): one byte to the UART.
putc:   li      t0, UART
        sb      a0, 0(t0)
        ret

# puts(a0): a NUL-terminated string to the UART.
puts:   li      t0, UART
1:      lbu     t1, 0(a0)
        beqz    t1, 2f
        sb      t1, 0(t0)
        addi    a0, a0, 1
        j       1b
2:      ret

# putu(a0): an unsigned number in decimal (divu/remu by 10, digits built backwards on the stack).
putu:   addi    sp, sp, -32
        addi    t1, sp, 31
        sb      zero, 0(t1)
        li      t2, 10
1:      remu    t3, a0, t2
        divu    a0, a0, t2
        addi    t3, t3, '0'
        addi    t1, t1, -1
        sb      t3, 0(t1)
        bnez    a0, 1b
        li      t0, UART
2:      lbu     t3, 0(t1)
        beqz    t3, 3f
        sb      t3, 0(t0)
        addi    t1, t1, 1
        j       2b
3:      addi    sp, sp, 32
        ret

# puthex(a0): the low 32 bits as 0x and eight hex digits.
puthex: li      t0, UART
        li      t2, '0'
        sb      t2, 0(t0)
        li      t2, 'x'
        sb      t2, 0(t0)
        li      t1, 28
        li      t3, 10
1:      srl     t2, a0, t1
        andi    t2, t2, 15
        blt     t2, t3, 2f
        addi    t2, t2, 'a' - 10 - '0'
2:      addi    t2, t2, '0'
        sb      t2, 0(t0)
        addi    t1, t1, -4
        bgez    t1, 1b
        ret

# crc32(a0 = buffer, a1 = length) -> a0: CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320).
crc32:  li      t0, 0xffffffff
        li      t3, 0xedb88320
1:      beqz    a1, 4f
        lbu     t1, 0(a0)
        xor     t0, t0, t1
        li      t2, 8
2:      andi    t4, t0, 1
        srli    t0, t0, 1
        beqz    t4, 3f
        xor     t0, t0, t3
3:      addi    t2, t2, -1
        bnez    t2, 2b
        addi    a0, a0, 1
        addi    a1, a1, -1
        j       1b
4:      li      t1, 0xffffffff
        xor     a0, t0, t1
        ret

        .data
hello:       .asciz "Hello from mmlab! This is RISC-V RV64IMAC code running on an emulated hart, in bare mode.\\n"
msg_count:   .asciz "primes below 1000000: "
msg_largest: .asciz ", the largest is "
msg_sum:     .asciz ", their sum is "
msg_first:   .asciz "\\nthe first ten:"
msg_crc:     .asciz "\\nCRC-32 of \\"123456789\\": "
check:       .ascii "123456789"
bye:         .asciz " (the standard check value is 0xcbf43926)\\nbye: writing 0x5555 to the test finisher\\n"

        .bss
        .align  4
sieve:  .zero   N
        .align  4
        .zero   4096
stack_top:
`;
