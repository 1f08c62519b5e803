/*
 * crt0.S — entry point of a bare-metal guest built with the mmlab no-libc
 * runtime (rt.c compiled with -DMMLAB_BARE): no kernel, M-mode, satp Bare, as
 * `mmlab run --bare` and QEMU's virt machine start a program.
 *
 * Every hart enters _start with a0 = its hart id. Hart 0 sets gp and sp (the
 * top of the stack reserved by bare.ld), clears .bss, calls main(0, NULL,
 * NULL) and passes its result to exit(), which flushes stdout to the UART and
 * ends the run through the test finisher (see rt.c). Other harts wait in wfi
 * for ever.
 */
	.file	"crt0.S"

	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	.option	push
	.option	norelax
	la	gp, __global_pointer$
	.option	pop
	bnez	a0, 3f			/* only hart 0 runs the program */
	la	sp, __stack_top
	li	ra, 0
	li	s0, 0

	la	t0, __bss_start		/* clear .bss and .sbss, 8 bytes at a time */
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b

2:	li	a0, 0			/* argc */
	li	a1, 0			/* argv */
	li	a2, 0			/* envp */
	call	main
	call	exit			/* does not return */
3:	wfi
	j	3b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
