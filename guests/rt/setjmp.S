/*
 * setjmp.S — setjmp, longjmp and sigsetjmp of the mmlab no-libc runtime
 * (rv64imac, soft-float: no FP registers to save).
 *
 * jmp_buf layout (longs): [0] ra, [1] sp, [2..13] s0..s11, and for
 * sigsetjmp [14] whether the mask was saved, [15] the mask (posix.c).
 * longjmp restores the callee-saved registers and returns from the setjmp
 * call a second time, with val (1 if val is 0).
 */
	.file	"setjmp.S"
	.text

	.macro	SAVE_REGS
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	.endm

	.globl	setjmp
	.type	setjmp, @function
setjmp:
	SAVE_REGS
	sd	zero, 112(a0)		/* no mask saved */
	li	a0, 0
	ret
	.size	setjmp, . - setjmp

/* sigsetjmp(env, savemask): save the registers, then let the C helper save
 * the mask; it returns 0 straight to our caller (ra is untouched). */
	.globl	sigsetjmp
	.type	sigsetjmp, @function
sigsetjmp:
	SAVE_REGS
	tail	__rt_sigsetjmp_mask
	.size	sigsetjmp, . - sigsetjmp

	.globl	longjmp
	.type	longjmp, @function
longjmp:
	ld	ra, 0(a0)
	ld	sp, 8(a0)
	ld	s0, 16(a0)
	ld	s1, 24(a0)
	ld	s2, 32(a0)
	ld	s3, 40(a0)
	ld	s4, 48(a0)
	ld	s5, 56(a0)
	ld	s6, 64(a0)
	ld	s7, 72(a0)
	ld	s8, 80(a0)
	ld	s9, 88(a0)
	ld	s10, 96(a0)
	ld	s11, 104(a0)
	seqz	a0, a1			/* a0 = val ? val : 1 */
	add	a0, a0, a1
	ret
	.size	longjmp, . - longjmp

	.section .note.GNU-stack, "", @progbits
