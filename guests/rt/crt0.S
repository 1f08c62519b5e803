/*
 * crt0.S — process entry point of the mmlab no-libc runtime (rv64imac, lp64).
 *
 * The Linux riscv64 kernel enters _start in U-mode with sp pointing at:
 *
 *     sp+0                argc
 *     sp+8                argv[0] .. argv[argc-1], NULL
 *     ...                 envp[0] .. envp[n-1], NULL
 *     ...                 auxv: (a_type, a_val) pairs, ended by AT_NULL (0)
 *
 * sp is 16-byte aligned. We compute argv, envp and auxv, publish envp as
 * `environ` and auxv as `__rt_auxv` (for getauxval), call
 * main(argc, argv, envp) and hand its result to exit(), which flushes stdout
 * and ends the process with exit_group (syscall 94).
 */
#include "syscall.h"

	.file	"crt0.S"	/* else the symbol table names a temporary file */

	.text
	.globl	_start
	.type	_start, @function
_start:
	/* gp must be set before any gp-relative access the linker relaxed. */
	.option	push
	.option	norelax
	la	gp, __global_pointer$
	.option	pop

	li	ra, 0			/* end of the call chain for debuggers */
	li	s0, 0			/* frame pointer */

	ld	a0, 0(sp)		/* a0 = argc */
	addi	a1, sp, 8		/* a1 = argv */
	slli	t0, a0, 3
	add	a2, a1, t0
	addi	a2, a2, 8		/* a2 = envp = &argv[argc + 1] */

	la	t1, environ
	sd	a2, 0(t1)

	mv	t2, a2			/* skip envp up to and past its NULL */
1:	ld	t3, 0(t2)
	addi	t2, t2, 8
	bnez	t3, 1b
	la	t1, __rt_auxv		/* t2 = auxv */
	sd	t2, 0(t1)

	andi	sp, sp, -16		/* (already aligned by the kernel) */
	call	main			/* a0 = main(argc, argv, envp) */
	call	exit			/* flushes stdout, then exit_group(a0) */

	/* exit() does not return; should it ever, leave anyway. */
	li	a7, __NR_exit_group
	ecall
2:	j	2b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
