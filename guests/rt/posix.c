/*
 * posix.c — the mmlab no-libc runtime's process, signal, pipe and file-system
 * wrappers (fork, execve, wait, pipes, dup, sigaction, timers, rename, ...),
 * each a thin layer over one Linux riscv64 system call with glibc's
 * conventions (-1 and errno on failure), plus the C half of sigsetjmp and
 * siglongjmp (setjmp.S holds the register save and restore).
 *
 * Kept apart from rt.c so that programs which use none of it link exactly as
 * before (--gc-sections drops what nothing calls).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syscall.h"

/* The kernel's sigset is 8 bytes on riscv64; rt_sig* calls pass that size. */
#define KSIGSET_SIZE 8

static long ret(long r)
{
	if (__RT_IS_ERR(r)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* ---- processes ------------------------------------------------------------ */

/* fork is clone(SIGCHLD): a new process with a copy of the address space,
 * which the kernel sends SIGCHLD to its parent when it ends. */
pid_t fork(void)
{
	return (pid_t)ret(__rt_syscall5(__NR_clone, SIGCHLD, 0, 0, 0, 0));
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)ret(__rt_syscall3(__NR_execve, (long)path, (long)argv, (long)envp));
}

/* Search PATH (default "/bin:/usr/bin") for file unless it holds a '/'. Like
 * glibc, keep looking past EACCES and report it if nothing else ran. */
int execvp(const char *file, char *const argv[])
{
	if (!*file) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/'))
		return execve(file, argv, environ);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	size_t flen = strlen(file);
	int saw_eacces = 0;
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		char buf[4096];
		if (dlen + 1 + flen + 1 <= sizeof buf) {
			memcpy(buf, dlen ? p : ".", dlen ? dlen : 1);
			size_t n = dlen ? dlen : 1;
			buf[n] = '/';
			memcpy(buf + n + 1, file, flen + 1);
			execve(buf, argv, environ);
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return -1;
		}
		if (!end)
			break;
		p = end;
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return -1;
}

pid_t wait4(pid_t pid, int *status, int options, void *rusage)
{
	return (pid_t)ret(__rt_syscall4(__NR_wait4, pid, (long)status, options, (long)rusage));
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

pid_t wait(int *status)
{
	return wait4(-1, status, 0, NULL);
}

pid_t getppid(void)
{
	return (pid_t)__rt_syscall0(__NR_getppid);
}

int setpgid(pid_t pid, pid_t pgid)
{
	return (int)ret(__rt_syscall2(__NR_setpgid, pid, pgid));
}

pid_t setsid(void)
{
	return (pid_t)ret(__rt_syscall0(__NR_setsid));
}

pid_t gettid(void)
{
	return (pid_t)__rt_syscall0(__NR_gettid);
}

/* ---- file descriptors and files ------------------------------------------- */

int pipe2(int fds[2], int flags)
{
	return (int)ret(__rt_syscall2(__NR_pipe2, (long)fds, flags));
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

int dup(int fd)
{
	return (int)ret(__rt_syscall1(__NR_dup, fd));
}

int dup3(int fd, int newfd, int flags)
{
	return (int)ret(__rt_syscall3(__NR_dup3, fd, newfd, flags));
}

/* riscv64 has no dup2: dup3 refuses fd == newfd, where dup2 checks fd. */
int dup2(int fd, int newfd)
{
	if (fd == newfd)
		return (int)ret(__rt_syscall3(__NR_fcntl, fd, F_GETFD, 0)) < 0 ? -1 : newfd;
	return dup3(fd, newfd, 0);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return (int)ret(__rt_syscall3(__NR_fcntl, fd, cmd, arg));
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return ret(__rt_syscall4(__NR_pread64, fd, (long)buf, (long)n, off));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return ret(__rt_syscall4(__NR_pwrite64, fd, (long)buf, (long)n, off));
}

int ftruncate(int fd, off_t len)
{
	return (int)ret(__rt_syscall2(__NR_ftruncate, fd, len));
}

int fstat(int fd, struct stat *st)
{
	return (int)ret(__rt_syscall2(__NR_fstat, fd, (long)st));
}

int stat(const char *path, struct stat *st)
{
	return (int)ret(__rt_syscall4(__NR_newfstatat, AT_FDCWD, (long)path, (long)st, 0));
}

int mkdir(const char *path, mode_t mode)
{
	return (int)ret(__rt_syscall3(__NR_mkdirat, AT_FDCWD, (long)path, mode));
}

int unlink(const char *path)
{
	return (int)ret(__rt_syscall3(__NR_unlinkat, AT_FDCWD, (long)path, 0));
}

int rmdir(const char *path)
{
	return (int)ret(__rt_syscall3(__NR_unlinkat, AT_FDCWD, (long)path, AT_REMOVEDIR));
}

/* riscv64 has renameat2 only; flags 0 is plain rename. */
int rename(const char *from, const char *to)
{
	return (int)ret(__rt_syscall5(__NR_renameat2, AT_FDCWD, (long)from, AT_FDCWD, (long)to, 0));
}

int chdir(const char *path)
{
	return (int)ret(__rt_syscall1(__NR_chdir, (long)path));
}

char *getcwd(char *buf, size_t size)
{
	return ret(__rt_syscall2(__NR_getcwd, (long)buf, (long)size)) < 0 ? NULL : buf;
}

int msync(void *addr, size_t len, int flags)
{
	return (int)ret(__rt_syscall3(__NR_msync, (long)addr, (long)len, flags));
}

/* ---- signals -------------------------------------------------------------- */

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return (int)ret(__rt_syscall4(__NR_rt_sigaction, sig, (long)act, (long)old, KSIGSET_SIZE));
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa = {0}, old;
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, &old) ? SIG_ERR : old.sa_handler;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	return (int)ret(__rt_syscall4(__NR_rt_sigprocmask, how, (long)set, (long)old, KSIGSET_SIZE));
}

int sigpending(sigset_t *set)
{
	return (int)ret(__rt_syscall2(__NR_rt_sigpending, (long)set, KSIGSET_SIZE));
}

int sigsuspend(const sigset_t *mask)
{
	return (int)ret(__rt_syscall2(__NR_rt_sigsuspend, (long)mask, KSIGSET_SIZE));
}

int sigaltstack(const stack_t *ss, stack_t *old)
{
	return (int)ret(__rt_syscall2(__NR_sigaltstack, (long)ss, (long)old));
}

/* riscv64 has no pause system call: wait with the current mask. */
int pause(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigsuspend(&cur);
}

static int sig_ok(int sig)
{
	if (sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int sigemptyset(sigset_t *set)
{
	set->sig = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	set->sig = ~0UL;
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (!sig_ok(sig))
		return -1;
	set->sig |= 1UL << (sig - 1);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (!sig_ok(sig))
		return -1;
	set->sig &= ~(1UL << (sig - 1));
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	return sig_ok(sig) ? (int)((set->sig >> (sig - 1)) & 1) : -1;
}

int kill(pid_t pid, int sig)
{
	return (int)ret(__rt_syscall2(__NR_kill, pid, sig));
}

int raise(int sig)
{
	return (int)ret(__rt_syscall3(__NR_tgkill, getpid(), gettid(), sig));
}

/* Called by setjmp.S's sigsetjmp after it saved the registers. */
int __rt_sigsetjmp_mask(sigjmp_buf env, int savemask)
{
	env[14] = savemask;
	if (savemask)
		sigprocmask(SIG_BLOCK, NULL, (sigset_t *)&env[15]);
	return 0;
}

void siglongjmp(sigjmp_buf env, int val)
{
	if (env[14])
		sigprocmask(SIG_SETMASK, (sigset_t *)&env[15], NULL);
	longjmp(env, val);
}

/* ---- timers and sleeping -------------------------------------------------- */

int setitimer(int which, const struct itimerval *value, struct itimerval *old)
{
	return (int)ret(__rt_syscall3(__NR_setitimer, which, (long)value, (long)old));
}

int getitimer(int which, struct itimerval *value)
{
	return (int)ret(__rt_syscall2(__NR_getitimer, which, (long)value));
}

/* riscv64 has no alarm system call: ITIMER_REAL with no interval. Returns the
 * seconds left of the previous alarm, rounded up as glibc does. */
unsigned alarm(unsigned seconds)
{
	struct itimerval v = {{0, 0}, {(long)seconds, 0}}, old;
	if (setitimer(ITIMER_REAL, &v, &old))
		return 0;
	return (unsigned)(old.it_value.tv_sec + (old.it_value.tv_usec >= 500000 ||
						 (old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0)));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)ret(__rt_syscall2(__NR_nanosleep, (long)req, (long)rem));
}

unsigned sleep(unsigned seconds)
{
	struct timespec t = {(time_t)seconds, 0};
	if (nanosleep(&t, &t) == 0)
		return 0;
	return (unsigned)t.tv_sec + (t.tv_nsec > 0);
}

int usleep(unsigned long usec)
{
	struct timespec t = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
	return nanosleep(&t, NULL);
}

/* ---- strings -------------------------------------------------------------- */

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strcpy(char *dst, const char *src)
{
	char *d = dst;
	while ((*d++ = *src++))
		;
	return dst;
}

char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return (char *)hay;
	return n ? NULL : (char *)hay;
}
