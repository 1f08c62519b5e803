/*
 * bare_paging — a bare-metal guest that turns on paging, for debuggers
 * (README "Debugging with gdb": a bare guest that turns on paging).
 *
 * It is linked as a small kernel is: _start and the page tables at physical
 * addresses (0x80000000, M-mode, satp Bare), start_kernel and s_trap at
 * virtual ones (0xffffffff80000000 + their offset in RAM, section .text.virt,
 * loaded at the physical address below it: rt/bare/paging.ld).
 *
 * _start builds Sv39 tables: root[510], a 1 GiB leaf, maps
 * 0xffffffff80000000 to RAM at 0x80000000 (the code); root[511] -> l1 -> l0,
 * where l0[0] maps DATA_VA (0xffffffffc0000000) to the page `data_page` and
 * l0[1] is left invalid. It delegates page faults to S-mode, sets stvec to
 * s_trap, satp to the root, and mrets into start_kernel in S-mode.
 * start_kernel stores 42 at DATA_VA (mapped), then loads from DATA_VA + 4096
 * (not mapped): a load page fault, which s_trap takes. s_trap hands scause and
 * stval to M-mode (ecall), where m_trap checks them (13, DATA_VA + 4096) and
 * that data_page holds 42, and ends the run through the test finisher:
 * 0x5555 (pass) or (n << 16) | 0x3333 (check n failed).
 */
	.equ FINISHER, 0x100000
	.equ DATA_VA, 0xffffffffc0000000
	.equ PTE_V, 0x01
	.equ PTE_RWXAD, 0xce		/* R W X A D */
	.equ PTE_RWAD, 0xc6		/* R W A D */
	.equ SATP_SV39, 8

	.section .text.boot, "ax"
	.globl _start
_start:
	la	t0, root
	li	t4, 2048		/* root + 2048: entries 256.. are in reach of an offset */
	add	t4, t4, t0
	/* root[510]: a 1 GiB leaf, 0xffffffff80000000 -> 0x80000000 (pte = pa >> 2 | bits) */
	li	t1, (0x80000000 >> 2) | PTE_RWXAD | PTE_V
	sd	t1, 510*8-2048(t4)
	/* root[511] -> l1; l1[0] -> l0 */
	la	t2, l1
	srli	t1, t2, 2
	ori	t1, t1, PTE_V
	sd	t1, 511*8-2048(t4)
	la	t3, l0
	srli	t1, t3, 2
	ori	t1, t1, PTE_V
	sd	t1, 0(t2)
	/* l0[0]: DATA_VA -> data_page, read/write; l0[1] stays invalid */
	la	t1, data_page
	srli	t1, t1, 2
	ori	t1, t1, PTE_RWAD | PTE_V
	sd	t1, 0(t3)
	/* page faults (12, 13, 15) go to S-mode, at s_trap; every other trap to m_trap */
	li	t1, (1 << 12) | (1 << 13) | (1 << 15)
	csrw	medeleg, t1
	la	t1, m_trap
	csrw	mtvec, t1
	ld	t1, s_trap_va
	csrw	stvec, t1
	srli	t1, t0, 12
	li	t2, SATP_SV39
	slli	t2, t2, 60
	or	t1, t1, t2
	csrw	satp, t1
	sfence.vma
	/* mret to start_kernel in S-mode (MPP = 1) */
	li	t1, 3 << 11
	csrc	mstatus, t1
	li	t1, 1 << 11
	csrs	mstatus, t1
	ld	t1, start_kernel_va
	csrw	mepc, t1
	mret

/* M-mode: s_trap's ecall with a0 = scause, a1 = stval. */
	.balign 4
m_trap:
	li	t0, FINISHER
	li	t1, 9			/* an ecall from S-mode, nothing else */
	csrr	t2, mcause
	li	t3, (1 << 16) | 0x3333
	bne	t1, t2, 1f
	li	t1, 13			/* a load page fault */
	li	t3, (2 << 16) | 0x3333
	bne	a0, t1, 1f
	li	t1, DATA_VA + 4096
	li	t3, (3 << 16) | 0x3333
	bne	a1, t1, 1f
	la	t1, data_page
	lw	t1, 0(t1)
	li	t2, 42
	li	t3, (4 << 16) | 0x3333
	bne	t1, t2, 1f
	li	t3, 0x5555
1:	sw	t3, 0(t0)
2:	j	2b

	.balign 8
start_kernel_va:
	.dword	start_kernel
s_trap_va:
	.dword	s_trap

	.section .text.virt, "ax"
	.globl start_kernel
start_kernel:
	li	a0, DATA_VA
	li	t0, 42
	sw	t0, 0(a0)		/* mapped: data_page */
	li	a1, DATA_VA + 4096
	lw	t1, 0(a1)		/* not mapped: a load page fault */
	j	start_kernel

	.balign 4
	.globl s_trap
s_trap:
	csrr	a0, scause
	csrr	a1, stval
	ecall

	.section .bss.tables, "aw", @nobits
	.balign 4096
root:	.space 4096
l1:	.space 4096
l0:	.space 4096
data_page:
	.space 4096
