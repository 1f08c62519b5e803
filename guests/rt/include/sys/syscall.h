/* sys/syscall.h — SYS_* names for the Linux riscv64 numbers in rt/syscall.h,
 * as glibc's <sys/syscall.h> spells them, for use with syscall(). */
#ifndef MMLAB_RT_SYS_SYSCALL_H
#define MMLAB_RT_SYS_SYSCALL_H
#include "../../syscall.h"

#define SYS_getcwd          __NR_getcwd
#define SYS_dup             __NR_dup
#define SYS_dup3            __NR_dup3
#define SYS_fcntl           __NR_fcntl
#define SYS_ioctl           __NR_ioctl
#define SYS_mkdirat         __NR_mkdirat
#define SYS_unlinkat        __NR_unlinkat
#define SYS_ftruncate       __NR_ftruncate
#define SYS_faccessat       __NR_faccessat
#define SYS_chdir           __NR_chdir
#define SYS_openat          __NR_openat
#define SYS_close           __NR_close
#define SYS_pipe2           __NR_pipe2
#define SYS_getdents64      __NR_getdents64
#define SYS_lseek           __NR_lseek
#define SYS_read            __NR_read
#define SYS_write           __NR_write
#define SYS_readv           __NR_readv
#define SYS_writev          __NR_writev
#define SYS_pread64         __NR_pread64
#define SYS_pwrite64        __NR_pwrite64
#define SYS_readlinkat      __NR_readlinkat
#define SYS_newfstatat      __NR_newfstatat
#define SYS_fstat           __NR_fstat
#define SYS_exit            __NR_exit
#define SYS_exit_group      __NR_exit_group
#define SYS_set_tid_address __NR_set_tid_address
#define SYS_futex           __NR_futex
#define SYS_set_robust_list __NR_set_robust_list
#define SYS_nanosleep       __NR_nanosleep
#define SYS_getitimer       __NR_getitimer
#define SYS_setitimer       __NR_setitimer
#define SYS_clock_gettime   __NR_clock_gettime
#define SYS_clock_getres    __NR_clock_getres
#define SYS_clock_nanosleep __NR_clock_nanosleep
#define SYS_sched_yield     __NR_sched_yield
#define SYS_kill            __NR_kill
#define SYS_tkill           __NR_tkill
#define SYS_tgkill          __NR_tgkill
#define SYS_rt_sigsuspend   __NR_rt_sigsuspend
#define SYS_rt_sigaction    __NR_rt_sigaction
#define SYS_rt_sigprocmask  __NR_rt_sigprocmask
#define SYS_rt_sigpending   __NR_rt_sigpending
#define SYS_uname           __NR_uname
#define SYS_gettimeofday    __NR_gettimeofday
#define SYS_getpid          __NR_getpid
#define SYS_getppid         __NR_getppid
#define SYS_getuid          __NR_getuid
#define SYS_geteuid         __NR_geteuid
#define SYS_getgid          __NR_getgid
#define SYS_getegid         __NR_getegid
#define SYS_gettid          __NR_gettid
#define SYS_sysinfo         __NR_sysinfo
#define SYS_brk             __NR_brk
#define SYS_munmap          __NR_munmap
#define SYS_mremap          __NR_mremap
#define SYS_clone           __NR_clone
#define SYS_execve          __NR_execve
#define SYS_mmap            __NR_mmap
#define SYS_mprotect        __NR_mprotect
#define SYS_msync           __NR_msync
#define SYS_madvise         __NR_madvise
#define SYS_wait4           __NR_wait4
#define SYS_prlimit64       __NR_prlimit64
#define SYS_renameat2       __NR_renameat2
#define SYS_getrandom       __NR_getrandom
#define SYS_rseq            __NR_rseq
#endif
