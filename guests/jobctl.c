/*
 * jobctl — stopping and continuing a child as a shell's job control does,
 * each part printing what the parent saw.
 *
 * Usage: jobctl
 *
 *   wuntraced  SIGSTOP to a child asleep in pause(): waitpid(WUNTRACED)
 *              reports it stopped by 19, once (a second WUNTRACED|WNOHANG
 *              finds nothing); SIGCONT: waitpid(WCONTINUED) reports it
 *              continued, once; the child's SIGCONT handler runs; SIGTERM
 *              then kills it
 *   sigchld    a SA_SIGINFO SIGCHLD handler sees CLD_STOPPED (status 19),
 *              CLD_CONTINUED (status 18) and CLD_KILLED (status 9), each
 *              with the child's pid
 *   raise      the child stops itself with raise(SIGSTOP), is continued and
 *              exits 7
 *   waitid     waitid(P_PID, WSTOPPED / WCONTINUED / WEXITED|WNOWAIT /
 *              WEXITED) with si_code and si_status of each
 *
 * Usage: jobctl all   adds two parts qemu-riscv64 (7.2) gets wrong, so they
 * are recorded from this program built for the host and run on the host's
 * Linux (guests/expected/jobctl.all.host-linux.out):
 *
 *   nocldstop  with SA_NOCLDSTOP no SIGCHLD comes for the stop or the
 *              continue; the child's death still sends one (qemu passes the
 *              stop's SIGCHLD on)
 *   tstp       SIGTSTP stops a grandchild in a process group of its own
 *              (WSTOPSIG 20: qemu stops the process with the host's SIGSTOP,
 *              19); in an orphaned group (after setsid) it is discarded
 *
 * Output: one line per step; it depends on nothing but the program. Status
 * 0; 1 a check failed.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

#ifndef WCONTINUED
#define WCONTINUED 8
#endif
#ifndef WIFCONTINUED
#define WIFCONTINUED(s) ((s) == 0xffff)
#endif
/* waitid(2) by number in both builds (95 on riscv64; the host's for a host
 * build); its options and idtype. */
#ifdef MMLAB_NOLIBC
#define NR_waitid 95
#else
#include <sys/syscall.h>
#define NR_waitid SYS_waitid
#endif
#define J_P_PID 1
#define J_WSTOPPED 2
#define J_WEXITED 4
#define J_WCONTINUED 8
#define J_WNOWAIT 0x01000000

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

/* The SIGCHLDs the parent's handler saw. */
static volatile int chld_count;
static volatile int chld_code[8], chld_status[8], chld_pid[8];

static void on_chld(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	if (chld_count < 8) {
		chld_code[chld_count] = info->si_code;
		chld_status[chld_count] = info->si_status;
		chld_pid[chld_count] = info->si_pid;
	}
	chld_count++;
}

static int cont_pipe[2];

static void on_cont(int sig)
{
	(void)sig;
	write(cont_pipe[1], "C", 1);
}

/* A child that sleeps in pause() until a signal ends it. */
static pid_t sleeper(int with_cont_handler)
{
	pid_t pid = fork();
	if (pid < 0) {
		printf("FAIL: fork\n");
		exit(1);
	}
	if (pid == 0) {
		if (with_cont_handler)
			signal(SIGCONT, on_cont);
		for (;;)
			pause();
	}
	return pid;
}

static const char *code_name(int code)
{
	switch (code) {
	case 1: return "CLD_EXITED";
	case 2: return "CLD_KILLED";
	case 3: return "CLD_DUMPED";
	case 5: return "CLD_STOPPED";
	case 6: return "CLD_CONTINUED";
	default: return "?";
	}
}

static void part_wuntraced(void)
{
	int st = 0;
	char c = 0;
	if (pipe(cont_pipe) < 0) {
		printf("FAIL: pipe\n");
		exit(1);
	}
	pid_t pid = sleeper(1);
	/* The child installs its handler before it sleeps; give it a moment to. */
	usleep(20000);
	kill(pid, SIGSTOP);
	pid_t r = waitpid(pid, &st, WUNTRACED);
	check(r == pid, "waitpid WUNTRACED pid");
	printf("wuntraced: WIFSTOPPED=%d WSTOPSIG=%d status=0x%x\n", WIFSTOPPED(st), WSTOPSIG(st), st);
	r = waitpid(pid, &st, WUNTRACED | WNOHANG);
	printf("wuntraced: again with WNOHANG -> %d\n", (int)r);
	kill(pid, SIGCONT);
	r = waitpid(pid, &st, WCONTINUED);
	check(r == pid, "waitpid WCONTINUED pid");
	printf("wuntraced: WIFCONTINUED=%d WIFSTOPPED=%d status=0x%x\n", WIFCONTINUED(st), WIFSTOPPED(st), st);
	r = waitpid(pid, &st, WCONTINUED | WNOHANG);
	printf("wuntraced: continued again with WNOHANG -> %d\n", (int)r);
	ssize_t n = read(cont_pipe[0], &c, 1);
	printf("wuntraced: SIGCONT handler ran: %s\n", n == 1 && c == 'C' ? "yes" : "no");
	kill(pid, SIGTERM);
	r = waitpid(pid, &st, WUNTRACED | WCONTINUED);
	check(r == pid, "waitpid exit pid");
	printf("wuntraced: %s\n", status_text(st));
	close(cont_pipe[0]);
	close(cont_pipe[1]);
}

/* Wait (SIGCHLD blocked outside) until the handler has seen `n` signals. */
static void await_chld(int n, const sigset_t *during)
{
	while (chld_count < n)
		sigsuspend(during);
}

static void set_chld_handler(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	chld_count = 0;
}

static void print_chld(const char *part, int i, pid_t pid)
{
	printf("%s: SIGCHLD %s status %d from the child: %s\n", part, code_name(chld_code[i]), chld_status[i],
	       chld_pid[i] == pid ? "yes" : "no");
}

static void part_sigchld(void)
{
	sigset_t block, empty;
	int st;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	set_chld_handler(0);
	pid_t pid = sleeper(0);
	kill(pid, SIGSTOP);
	await_chld(1, &empty);
	print_chld("sigchld", 0, pid);
	waitpid(pid, &st, WUNTRACED);
	kill(pid, SIGCONT);
	await_chld(2, &empty);
	print_chld("sigchld", 1, pid);
	kill(pid, SIGKILL);
	await_chld(3, &empty);
	print_chld("sigchld", 2, pid);
	waitpid(pid, &st, 0);
	printf("sigchld: %s, %d signals\n", status_text(st), chld_count);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
}

static int chld_pending(void)
{
	sigset_t p;
	sigpending(&p);
	return sigismember(&p, SIGCHLD);
}

static void part_nocldstop(void)
{
	sigset_t block;
	int st;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	set_chld_handler(SA_NOCLDSTOP);
	pid_t pid = sleeper(0);
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	printf("nocldstop: stopped (%s), SIGCHLD pending: %s\n", WIFSTOPPED(st) ? "yes" : "no",
	       chld_pending() ? "yes" : "no");
	kill(pid, SIGCONT);
	waitpid(pid, &st, WCONTINUED);
	printf("nocldstop: continued (%s), SIGCHLD pending: %s\n", WIFCONTINUED(st) ? "yes" : "no",
	       chld_pending() ? "yes" : "no");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("nocldstop: %s, SIGCHLD pending: %s\n", status_text(st), chld_pending() ? "yes" : "no");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	printf("nocldstop: handler calls %d, last %s\n", chld_count, chld_count ? code_name(chld_code[0]) : "-");
	signal(SIGCHLD, SIG_DFL);
}

static void part_raise(void)
{
	int st;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		printf("raise: child continued\n");
		fflush(stdout);
		_exit(7);
	}
	waitpid(pid, &st, WUNTRACED);
	printf("raise: WIFSTOPPED=%d WSTOPSIG=%d\n", WIFSTOPPED(st), WSTOPSIG(st));
	fflush(stdout);
	kill(pid, SIGCONT);
	waitpid(pid, &st, 0);
	printf("raise: %s\n", status_text(st));
}

static void print_info(const char *what, long r, const siginfo_t *si, pid_t pid)
{
	printf("waitid: %s -> %ld si_signo=%d %s si_status=%d si_pid ok=%s\n", what, r, si->si_signo,
	       code_name(si->si_code), si->si_status, si->si_pid == pid ? "yes" : "no");
}

/* In a child: a grandchild in a process group of its own (setpgid), or in
 * a session of its own (setsid: an orphaned group), gets SIGTSTP. */
static void tstp_in_child(int orphaned)
{
	int st = 0;
	pid_t g = fork();
	if (g == 0) {
		if (orphaned)
			setsid();
		else
			setpgid(0, 0);
		for (;;)
			pause();
	}
	if (!orphaned)
		setpgid(g, g); /* either side may run first */
	usleep(20000);
	kill(g, SIGTSTP);
	if (orphaned) {
		usleep(50000);
		pid_t r = waitpid(g, &st, WUNTRACED | WNOHANG);
		printf("tstp: orphaned group: WUNTRACED|WNOHANG -> %s\n", r == 0 ? "0 (not stopped)" : status_text(st));
	} else {
		waitpid(g, &st, WUNTRACED);
		printf("tstp: own group: WIFSTOPPED=%d WSTOPSIG=%d\n", WIFSTOPPED(st), WSTOPSIG(st));
		kill(g, SIGCONT);
	}
	kill(g, SIGKILL);
	waitpid(g, &st, 0);
	printf("tstp: %s\n", status_text(st));
	fflush(stdout);
	_exit(0);
}

static void part_tstp(void)
{
	int st;
	for (int orphaned = 0; orphaned < 2; orphaned++) {
		fflush(stdout);
		pid_t c = fork();
		if (c == 0)
			tstp_in_child(orphaned);
		waitpid(c, &st, 0);
	}
}

static void part_waitid(void)
{
	siginfo_t si;
	pid_t pid = sleeper(0);
	kill(pid, SIGSTOP);
	memset(&si, 0, sizeof si);
	long r = syscall(NR_waitid, J_P_PID, pid, &si, J_WSTOPPED, NULL);
	print_info("WSTOPPED", r, &si, pid);
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof si);
	r = syscall(NR_waitid, J_P_PID, pid, &si, J_WCONTINUED, NULL);
	print_info("WCONTINUED", r, &si, pid);
	kill(pid, SIGKILL);
	memset(&si, 0, sizeof si);
	r = syscall(NR_waitid, J_P_PID, pid, &si, J_WEXITED | J_WNOWAIT, NULL);
	print_info("WEXITED|WNOWAIT", r, &si, pid);
	memset(&si, 0, sizeof si);
	r = syscall(NR_waitid, J_P_PID, pid, &si, J_WEXITED, NULL);
	print_info("WEXITED", r, &si, pid);
}

int main(int argc, char **argv)
{
	int all = argc > 1 && strcmp(argv[1], "all") == 0;
	part_wuntraced();
	fflush(stdout);
	part_sigchld();
	fflush(stdout);
	if (all)
		part_nocldstop();
	fflush(stdout);
	part_raise();
	part_waitid();
	if (all)
		part_tstp();
	printf("jobctl: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
