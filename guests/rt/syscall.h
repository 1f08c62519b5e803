/*
 * syscall.h — Linux riscv64 system call numbers and the raw `ecall` wrappers
 * of the mmlab no-libc runtime.
 *
 * Calling convention (Linux riscv64): a7 = system call number, a0..a5 =
 * arguments, `ecall`, and the result comes back in a0: a value >= 0 on
 * success, or -errno (a value in [-4095, -1]) on failure.
 *
 * The numbers are those of the generic table (include/uapi/asm-generic/
 * unistd.h) that riscv64 uses.
 */
#ifndef MMLAB_RT_SYSCALL_H
#define MMLAB_RT_SYSCALL_H

#define __NR_getcwd           17
#define __NR_dup              23
#define __NR_dup3             24
#define __NR_fcntl            25
#define __NR_ioctl            29
#define __NR_mkdirat          34
#define __NR_unlinkat         35
#define __NR_ftruncate        46
#define __NR_faccessat        48
#define __NR_chdir            49
#define __NR_openat           56
#define __NR_close            57
#define __NR_pipe2            59
#define __NR_getdents64       61
#define __NR_lseek            62
#define __NR_read             63
#define __NR_write            64
#define __NR_readv            65
#define __NR_writev           66
#define __NR_pread64          67
#define __NR_pwrite64         68
#define __NR_readlinkat       78
#define __NR_newfstatat       79
#define __NR_fstat            80
#define __NR_exit             93
#define __NR_exit_group       94
#define __NR_set_tid_address  96
#define __NR_futex            98
#define __NR_set_robust_list  99
#define __NR_nanosleep       101
#define __NR_getitimer       102
#define __NR_setitimer       103
#define __NR_clock_gettime   113
#define __NR_clock_getres    114
#define __NR_clock_nanosleep 115
#define __NR_sched_yield     124
#define __NR_kill            129
#define __NR_tkill           130
#define __NR_tgkill          131
#define __NR_sigaltstack     132
#define __NR_rt_sigsuspend   133
#define __NR_rt_sigaction    134
#define __NR_rt_sigprocmask  135
#define __NR_rt_sigpending   136
#define __NR_uname           160
#define __NR_gettimeofday    169
#define __NR_getpid          172
#define __NR_getppid         173
#define __NR_setpgid         154
#define __NR_setsid          157
#define __NR_getuid          174
#define __NR_geteuid         175
#define __NR_getgid          176
#define __NR_getegid         177
#define __NR_gettid          178
#define __NR_sysinfo         179
#define __NR_brk             214
#define __NR_munmap          215
#define __NR_mremap          216
#define __NR_clone           220
#define __NR_execve          221
#define __NR_mmap            222
#define __NR_mprotect        226
#define __NR_msync           227
#define __NR_madvise         233
#define __NR_wait4           260
#define __NR_prlimit64       261
#define __NR_renameat2       276
#define __NR_getrandom       278
#define __NR_rseq            293

#ifndef __ASSEMBLER__

/* One wrapper per argument count; each is a single `ecall`. */
static inline long __rt_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}

static inline long __rt_syscall3(long n, long a, long b, long c)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
	return a0;
}

static inline long __rt_syscall1(long n, long a)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return a0;
}

#define __rt_syscall0(n)             __rt_syscall1((n), 0)
#define __rt_syscall2(n, a, b)       __rt_syscall3((n), (a), (b), 0)
#define __rt_syscall4(n, a, b, c, d) __rt_syscall6((n), (a), (b), (c), (d), 0, 0)
#define __rt_syscall5(n, a, b, c, d, e) __rt_syscall6((n), (a), (b), (c), (d), (e), 0)

/* A raw result r is an error iff -4095 <= r <= -1. */
#define __RT_IS_ERR(r) ((unsigned long)(r) >= (unsigned long)-4095L)

#endif /* __ASSEMBLER__ */
#endif
