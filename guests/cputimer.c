/*
 * cputimer — CPU-time accounting and timers, each part printing what it saw
 * as facts that hold on any machine (counts, ordering, codes), not times.
 *
 * Usage: cputimer
 *
 *   itimer     ITIMER_VIRTUAL (10 ms, periodic) and ITIMER_PROF: a busy loop
 *              gets SIGVTALRM / SIGPROF 3 times; getitimer reads the interval
 *              back; a sleep does not run ITIMER_VIRTUAL down
 *   posix      timer_create on CLOCK_MONOTONIC with SIGEV_SIGNAL (SIGUSR1,
 *              value 42): si_code SI_TIMER, si_value and si_timerid; a
 *              periodic 5 ms timer blocked for 40 ms is delivered once with
 *              an overrun count; timer_gettime; timer_delete and then EINVAL
 *   threadid   SIGEV_THREAD_ID to the calling thread; a tid that is not one
 *              of the process's threads is EINVAL
 *   cputime    a timer on CLOCK_PROCESS_CPUTIME_ID fires during a busy loop,
 *              not during a sleep; clock_gettime of the CPU clocks moves with
 *              the busy loop
 *   errors     timer_create with a bad clock, a bad signal, a bad notify;
 *              CLOCK_MONOTONIC_RAW (EOPNOTSUPP); timer_settime of an unknown id
 *   rusage     getrusage(SELF): user time, minor faults for 256 touched
 *              pages, ru_maxrss over 1 MiB, a voluntary switch per sleep
 *              (not ru_majflt: under qemu it is the host's count);
 *              RUSAGE_CHILDREN after a busy child is reaped; RUSAGE_THREAD;
 *              a bad who is EINVAL; times() agrees
 *
 * Usage: cputimer all   also checks si_timerid, which qemu-riscv64 (7.2) gets
 * wrong (it hands the guest ids of its own, and the signal the host's), so
 * that run is recorded from this program built for the host and run on its
 * Linux (guests/expected/cputimer.all.host-linux.out).
 *
 * The timer calls are made by number (syscall()) in both builds, with the
 * kernel's struct sigevent, so that both print the same.
 *
 * Output: one line per check; status 0, 1 when a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* System calls by number: riscv64's in the no-libc build, <sys/syscall.h>'s
 * otherwise (so the program also builds for the host: `cputimer all`). */
#ifdef MMLAB_NOLIBC
#define NR_timer_create 107
#define NR_timer_gettime 108
#define NR_timer_getoverrun 109
#define NR_timer_settime 110
#define NR_timer_delete 111
#define NR_times 153
#define NR_getrusage 165
#define NR_clock_gettime 113
#define NR_setitimer 103
#define NR_getitimer 102
#define NR_gettid 178
#else
#include <sys/syscall.h>
#define NR_timer_create SYS_timer_create
#define NR_timer_gettime SYS_timer_gettime
#define NR_timer_getoverrun SYS_timer_getoverrun
#define NR_timer_settime SYS_timer_settime
#define NR_timer_delete SYS_timer_delete
#define NR_times SYS_times
#define NR_getrusage SYS_getrusage
#define NR_clock_gettime SYS_clock_gettime
#define NR_setitimer SYS_setitimer
#define NR_getitimer SYS_getitimer
#define NR_gettid SYS_gettid
#endif

#define K_SIGEV_SIGNAL 0
#define K_SIGEV_NONE 1
#define K_SIGEV_THREAD_ID 4
#define K_SI_TIMER (-2)

/* The kernel's struct sigevent (64 bytes). */
struct ksigevent {
	long value;
	int signo;
	int notify;
	int tid;
	int pad[11];
};

struct kitimerspec {
	long interval_sec, interval_nsec, value_sec, value_nsec;
};

struct kitimerval {
	long interval_sec, interval_usec, value_sec, value_usec;
};

struct krusage {
	long utime_sec, utime_usec, stime_sec, stime_usec;
	long maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
		nsignals, nvcsw, nivcsw;
};

static int failures;
static int all;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "yes" : "NO");
	if (!ok)
		failures++;
}

static long sys(long n, long a, long b, long c, long d)
{
	long r = syscall(n, a, b, c, d);
	return r < 0 ? -errno : r;
}

static volatile int vt_count, prof_count, usr1_count, usr2_count, alrm_count;
static volatile int last_code, last_overrun, last_tid;
static volatile long last_value;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGVTALRM)
		vt_count++;
	else if (sig == SIGPROF)
		prof_count++;
	else if (sig == SIGALRM)
		alrm_count++;
	else {
		if (sig == SIGUSR1)
			usr1_count++;
		else
			usr2_count++;
		last_code = si->si_code;
		/* The _timer member: si_tid at 16, si_overrun at 20, si_value at 24. */
		const int *w = (const int *)si;
		last_tid = w[4];
		last_overrun = w[5];
		last_value = *(const long *)((const char *)si + 24);
	}
}

static void handle(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static volatile unsigned long sink;

/* Spin until *flag reaches n (or a bound: a failure, not a hang). */
static int spin_until(volatile int *flag, int n)
{
	for (unsigned long i = 0; i < 2000000000ul; i++) {
		if (*flag >= n)
			return 1;
		sink += i;
	}
	return 0;
}

static void spin(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += i;
}

static long cpu_ns(int clock)
{
	struct timespec ts;
	sys(NR_clock_gettime, clock, (long)&ts, 0, 0);
	return ts.tv_sec * 1000000000l + ts.tv_nsec;
}

static void part_itimer(void)
{
	struct kitimerval v = {0, 10000, 0, 10000}, cur;
	handle(SIGVTALRM);
	handle(SIGPROF);
	check(sys(NR_setitimer, ITIMER_VIRTUAL, (long)&v, 0, 0) == 0, "itimer: setitimer(ITIMER_VIRTUAL, 10 ms)");
	check(spin_until(&vt_count, 3), "itimer: SIGVTALRM 3 times in a busy loop");
	sys(NR_getitimer, ITIMER_VIRTUAL, (long)&cur, 0, 0);
	check(cur.interval_sec == 0 && cur.interval_usec == 10000, "itimer: getitimer reads the 10 ms interval");
	check(cur.value_sec == 0 && cur.value_usec > 0 && cur.value_usec <= 10000, "itimer: and 0-10 ms left");
	int before = vt_count;
	usleep(50000);
	check(vt_count == before, "itimer: no SIGVTALRM while asleep");
	struct kitimerval off = {0, 0, 0, 0};
	sys(NR_setitimer, ITIMER_VIRTUAL, (long)&off, 0, 0);
	check(sys(NR_setitimer, ITIMER_PROF, (long)&v, 0, 0) == 0, "itimer: setitimer(ITIMER_PROF, 10 ms)");
	check(spin_until(&prof_count, 3), "itimer: SIGPROF 3 times in a busy loop");
	sys(NR_setitimer, ITIMER_PROF, (long)&off, (long)&cur, 0);
	check(cur.interval_usec == 10000, "itimer: the old value comes back on disarm");
}

static long new_timer(int clock, int notify, int signo, long value, int tid)
{
	struct ksigevent ev;
	int id = -1;
	memset(&ev, 0, sizeof ev);
	ev.value = value;
	ev.signo = signo;
	ev.notify = notify;
	ev.tid = tid;
	long r = sys(NR_timer_create, clock, (long)&ev, (long)&id, 0);
	return r < 0 ? r : id;
}

static long set_timer(long id, long value_ns, long interval_ns)
{
	struct kitimerspec ts = {interval_ns / 1000000000l, interval_ns % 1000000000l, value_ns / 1000000000l,
				 value_ns % 1000000000l};
	return sys(NR_timer_settime, id, 0, (long)&ts, 0);
}

static void part_posix(void)
{
	sigset_t block, old;
	handle(SIGUSR1);
	long id = new_timer(CLOCK_MONOTONIC, K_SIGEV_SIGNAL, SIGUSR1, 42, 0);
	check(id >= 0, "posix: timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL SIGUSR1)");
	check(set_timer(id, 5000000, 0) == 0, "posix: timer_settime(5 ms, one-shot)");
	while (usr1_count < 1)
		pause();
	check(last_code == K_SI_TIMER, "posix: si_code SI_TIMER");
	check(last_value == 42, "posix: si_value 42");
	if (all)
		check(last_tid == id, "posix: si_timerid is the timer's id");
	struct kitimerspec cur;
	sys(NR_timer_gettime, id, (long)&cur, 0, 0);
	check(cur.value_sec == 0 && cur.value_nsec == 0, "posix: a fired one-shot timer reads 0");
	/* Periodic every 5 ms while SIGUSR1 is blocked for 40 ms: one delivery, with overruns. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	set_timer(id, 5000000, 5000000);
	usleep(40000);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check(usr1_count == 2, "posix: one delivery for many expiries");
	check(last_overrun >= 3, "posix: si_overrun counts the expiries merged (3 or more)");
	check(sys(NR_timer_getoverrun, id, 0, 0, 0) >= 3, "posix: timer_getoverrun agrees");
	set_timer(id, 2000000000l, 0);
	sys(NR_timer_gettime, id, (long)&cur, 0, 0);
	check(cur.value_sec * 1000000000l + cur.value_nsec > 1000000000l && cur.value_sec < 2,
	      "posix: timer_gettime reads 1-2 s left of 2 s");
	check(sys(NR_timer_delete, id, 0, 0, 0) == 0, "posix: timer_delete");
	printf("posix: timer_gettime after delete: %s\n", errno_name((int)-sys(NR_timer_gettime, id, (long)&cur, 0, 0)));
	printf("posix: timer_delete again: %s\n", errno_name((int)-sys(NR_timer_delete, id, 0, 0, 0)));
}

static void part_threadid(void)
{
	handle(SIGUSR2);
	long tid = sys(NR_gettid, 0, 0, 0, 0);
	long id = new_timer(CLOCK_MONOTONIC, K_SIGEV_SIGNAL | K_SIGEV_THREAD_ID, SIGUSR2, 7, (int)tid);
	check(id >= 0, "threadid: timer_create(SIGEV_THREAD_ID, this thread)");
	set_timer(id, 3000000, 0);
	while (usr2_count < 1)
		pause();
	check(last_value == 7 && last_code == K_SI_TIMER, "threadid: SIGUSR2 with SI_TIMER and value 7");
	sys(NR_timer_delete, id, 0, 0, 0);
	long bad = new_timer(CLOCK_MONOTONIC, K_SIGEV_SIGNAL | K_SIGEV_THREAD_ID, SIGUSR2, 7, 999999);
	printf("threadid: a tid of no thread: %s\n", bad < 0 ? errno_name((int)-bad) : "created");
}

static void part_cputime(void)
{
	handle(SIGALRM);
	long id = new_timer(CLOCK_PROCESS_CPUTIME_ID, K_SIGEV_SIGNAL, SIGALRM, 0, 0);
	check(id >= 0, "cputime: timer_create(CLOCK_PROCESS_CPUTIME_ID)");
	long t0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	long th0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	set_timer(id, 20000000, 0);
	usleep(50000);
	check(alrm_count == 0, "cputime: no expiry while asleep");
	check(spin_until(&alrm_count, 1), "cputime: it fires in a busy loop");
	long t1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	long th1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	check(t1 - t0 >= 20000000, "cputime: CLOCK_PROCESS_CPUTIME_ID moved 20 ms or more");
	check(th1 - th0 >= 20000000, "cputime: CLOCK_THREAD_CPUTIME_ID too");
	sys(NR_timer_delete, id, 0, 0, 0);
}

static void part_errors(void)
{
	int id;
	struct ksigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.signo = SIGUSR1;
	printf("errors: clock 99: %s\n", errno_name((int)-sys(NR_timer_create, 99, (long)&ev, (long)&id, 0)));
	printf("errors: CLOCK_MONOTONIC_RAW: %s\n", errno_name((int)-sys(NR_timer_create, 4, (long)&ev, (long)&id, 0)));
	ev.signo = 65;
	printf("errors: signal 65: %s\n", errno_name((int)-sys(NR_timer_create, 1, (long)&ev, (long)&id, 0)));
	ev.signo = SIGUSR1;
	ev.notify = 7;
	printf("errors: notify 7: %s\n", errno_name((int)-sys(NR_timer_create, 1, (long)&ev, (long)&id, 0)));
	ev.notify = 0;
	printf("errors: bad timer_t pointer: %s\n", errno_name((int)-sys(NR_timer_create, 1, (long)&ev, 8, 0)));
	printf("errors: timer_settime of id 12345: %s\n", errno_name((int)-set_timer(12345, 1000, 0)));
	long none = new_timer(CLOCK_REALTIME, K_SIGEV_NONE, 0, 0, 0);
	check(none >= 0, "errors: SIGEV_NONE needs no signal");
	sys(NR_timer_delete, none, 0, 0, 0);
}

static void part_rusage(void)
{
	struct krusage a, b;
	check(sys(NR_getrusage, 0, (long)&a, 0, 0) == 0, "rusage: getrusage(RUSAGE_SELF)");
	check(a.utime_sec * 1000000 + a.utime_usec > 0, "rusage: user time so far > 0");
	char *p = mmap(NULL, 256 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 256; i++)
		p[i * 4096] = 1;
	usleep(1000);
	usleep(1000);
	sys(NR_getrusage, 0, (long)&b, 0, 0);
	check(b.minflt - a.minflt >= 256, "rusage: 256 touched pages are 256 minor faults or more");
	check(b.maxrss >= 1024, "rusage: ru_maxrss is 1 MiB or more (in KiB)");
	check(b.nvcsw - a.nvcsw >= 2, "rusage: two sleeps are two voluntary switches or more");
	munmap(p, 256 * 4096);
	struct krusage c0, c1;
	sys(NR_getrusage, -1, (long)&c0, 0, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* 5 ms of CPU time: Linux's accounting splits it by ticks, so less may read 0. */
		while (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) < 5000000)
			spin(10000);
		_exit(0);
	}
	int st;
	struct krusage w;
	wait4(pid, &st, 0, (void *)&w);
	sys(NR_getrusage, -1, (long)&c1, 0, 0);
	/* User + system time: Linux splits the child's precise run time between them by
	 * ticks, so either alone may read 0; their sum is the run time. */
	long cu = (c1.utime_sec - c0.utime_sec + c1.stime_sec - c0.stime_sec) * 1000000 + c1.utime_usec -
		  c0.utime_usec + c1.stime_usec - c0.stime_usec;
	long wu = (w.utime_sec + w.stime_sec) * 1000000 + w.utime_usec + w.stime_usec;
	check(cu >= 4000, "rusage: RUSAGE_CHILDREN has the reaped child's 5 ms of CPU time");
	check(wu >= 4000 && wu <= cu, "rusage: wait4's rusage has it too");
	struct krusage th;
	check(sys(NR_getrusage, 1, (long)&th, 0, 0) == 0, "rusage: getrusage(RUSAGE_THREAD)");
	printf("rusage: who 2: %s\n", errno_name((int)-sys(NR_getrusage, 2, (long)&th, 0, 0)));
	printf("rusage: bad pointer: %s\n", errno_name((int)-sys(NR_getrusage, 0, 8, 0, 0)));
	long tms[4];
	check(sys(NR_times, (long)tms, 0, 0, 0) > 0, "rusage: times() returns the ticks since boot");
	check((tms[2] + tms[3]) * 10000 <= cu + 20000 && (tms[2] + tms[3]) * 10000 >= cu - 20000,
	      "rusage: times' tms_cutime + tms_cstime agree with RUSAGE_CHILDREN");
}

int main(int argc, char **argv)
{
	all = argc > 1 && strcmp(argv[1], "all") == 0;
	part_itimer();
	part_posix();
	part_threadid();
	part_cputime();
	part_errors();
	part_rusage();
	printf("cputimer: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
