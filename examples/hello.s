# A bare-metal hello (mmlab run --bare examples/hello.s): hart 0 writes a line to the 16550
# UART's transmit register (0x10000000) and ends the run through the test finisher (0x100000:
# 0x5555 = pass); any other hart waits in wfi.
        .globl _start
_start:
        csrr    t0, mhartid
        bnez    t0, park
        la      a0, msg
        li      a1, 0x10000000
next:
        lbu     t1, 0(a0)
        beqz    t1, done
        sb      t1, 0(a1)
        addi    a0, a0, 1
        j       next
done:
        li      t2, 0x100000
        li      t3, 0x5555
        sw      t3, 0(t2)
park:
        wfi
        j       park
msg:
        .asciz  "hello from a bare hart\n"
