/* sys/syscall.h — SYS_* names for the Linux riscv64 numbers in rt/syscall.h,
 * as glibc's <sys/syscall.h> spells them, for use with syscall(). */
#ifndef MMLAB_RT_SYS_SYSCALL_H
#define MMLAB_RT_SYS_SYSCALL_H
#include "../../syscall.h"

#define SYS_getcwd          __NR_getcwd
#define SYS_fcntl           __NR_fcntl
#define SYS_ioctl           __NR_ioctl
#define SYS_openat          __NR_openat
#define SYS_close           __NR_close
#define SYS_lseek           __NR_lseek
#define SYS_read            __NR_read
#define SYS_write           __NR_write
#define SYS_writev          __NR_writev
#define SYS_readlinkat      __NR_readlinkat
#define SYS_newfstatat      __NR_newfstatat
#define SYS_fstat           __NR_fstat
#define SYS_exit            __NR_exit
#define SYS_exit_group      __NR_exit_group
#define SYS_set_tid_address __NR_set_tid_address
#define SYS_nanosleep       __NR_nanosleep
#define SYS_clock_gettime   __NR_clock_gettime
#define SYS_sched_yield     __NR_sched_yield
#define SYS_uname           __NR_uname
#define SYS_gettimeofday    __NR_gettimeofday
#define SYS_getpid          __NR_getpid
#define SYS_getuid          __NR_getuid
#define SYS_gettid          __NR_gettid
#define SYS_sysinfo         __NR_sysinfo
#define SYS_brk             __NR_brk
#define SYS_munmap          __NR_munmap
#define SYS_mremap          __NR_mremap
#define SYS_mmap            __NR_mmap
#define SYS_mprotect        __NR_mprotect
#define SYS_madvise         __NR_madvise
#define SYS_prlimit64       __NR_prlimit64
#define SYS_getrandom       __NR_getrandom
#endif
