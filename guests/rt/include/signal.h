/* signal.h — mmlab no-libc runtime (posix.c). Numbers and layouts are Linux
 * riscv64's: struct sigaction as the kernel reads it (handler, flags, mask:
 * riscv has no sa_restorer; the kernel returns from a handler through its
 * vDSO), a 64-bit kernel sigset, and siginfo with si_addr at offset 16. */
#ifndef MMLAB_RT_SIGNAL_H
#define MMLAB_RT_SIGNAL_H
#include <sys/types.h>

#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGBUS     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGXCPU   24
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGSYS    31
#define NSIG      65

#define SA_NOCLDSTOP 0x00000001
#define SA_SIGINFO   0x00000004
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* si_code values of the faults */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN  1
#define BUS_ADRERR  2
#define ILL_ILLOPC  1
#define SI_USER     0
#define SI_TKILL    (-6)

typedef void (*sighandler_t)(int);
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)

typedef struct {
	unsigned long sig; /* bit (n - 1) for signal n: the kernel's 64-bit set */
} sigset_t;

typedef int sig_atomic_t;

typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	int __pad;
	union {
		void *si_addr;           /* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
		struct {
			pid_t si_pid;
			unsigned si_uid;
			int si_status;   /* SIGCHLD */
		};
		long __fill[14];
	};
} siginfo_t;

struct sigaction {
	union {
		sighandler_t sa_handler;
		void (*sa_sigaction)(int, siginfo_t *, void *);
	};
	unsigned long sa_flags;
	sigset_t sa_mask;
};

int sigaction(int sig, const struct sigaction *act, struct sigaction *old);
sighandler_t signal(int sig, sighandler_t handler);
int sigprocmask(int how, const sigset_t *set, sigset_t *old);
int sigpending(sigset_t *set);
int sigsuspend(const sigset_t *mask);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);
int kill(pid_t pid, int sig);
int raise(int sig);

/* The alternate signal stack (stack_t as the kernel reads it). */
#define SS_ONSTACK    1
#define SS_DISABLE    2
#define MINSIGSTKSZ   2048
#define SIGSTKSZ      8192
typedef struct {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
} stack_t;
int sigaltstack(const stack_t *ss, stack_t *old);
#endif
