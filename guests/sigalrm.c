/*
 * sigalrm — a SIGALRM handler counting timer signals, in four ways.
 *
 * Usage: sigalrm [COUNT]   (default 5, at most 1000)
 *
 *   itimer   setitimer(ITIMER_REAL) every 10 ms; the program waits in
 *            sigsuspend (SIGALRM blocked outside it, so no tick is lost or
 *            raced) until the handler has run COUNT times, then disarms the
 *            timer and checks getitimer reads zero
 *   alarm    alarm(1), then pause() until the handler runs; alarm(10)
 *            followed by alarm(0) returns the 10 seconds left
 *   blocked  with SIGALRM blocked, a 10 ms one-shot timer expires during a
 *            50 ms nanosleep: the signal is pending (sigpending) and the
 *            handler has not run; unblocking runs it exactly once
 *   eintr    with the handler installed without SA_RESTART, a read from an
 *            empty pipe is interrupted by a 10 ms timer: -1 EINTR
 *
 * Output: one line per part with the count observed; it depends on nothing
 * but the program. Status 0; 1 a check failed; 2 bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "report.h"

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static void install(int flags)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = flags};  /* empty sa_mask */
	sigaction(SIGALRM, &sa, NULL);
}

/* Drop a SIGALRM that may still be pending: ignoring a signal discards it. */
static void discard_pending(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigaction(SIGALRM, &ign, NULL);
	install(SA_RESTART);
}

static void arm(long first_us, long every_us)
{
	struct itimerval v = {{every_us / 1000000, every_us % 1000000}, {first_us / 1000000, first_us % 1000000}};
	setitimer(ITIMER_REAL, &v, NULL);
}

static int itimer_part(int count)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	ticks = 0;
	arm(10000, 10000);
	while (ticks < count)
		sigsuspend(&old);
	int seen = ticks;
	arm(0, 0);
	struct itimerval left;
	getitimer(ITIMER_REAL, &left);
	int disarmed = left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0;
	discard_pending();
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("itimer: alarms=%d disarmed=%s\n", seen, disarmed ? "yes" : "NO");
	return seen == count && disarmed ? 0 : 1;
}

static int alarm_part(void)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	ticks = 0;
	alarm(1);
	while (ticks == 0)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	alarm(10);
	unsigned left = alarm(0);
	printf("alarm: fired=%d left-of-alarm(10)=%u\n", (int)ticks, left);
	return ticks == 1 && left == 10 ? 0 : 1;
}

static int blocked_part(void)
{
	sigset_t block, old, pending;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	ticks = 0;
	arm(10000, 0);
	struct timespec t = {0, 50 * 1000 * 1000};
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGALRM), before = ticks;
	sigprocmask(SIG_SETMASK, &old, NULL);  /* the handler runs here */
	printf("blocked: pending=%d handled-while-blocked=%d handled-after-unblock=%d\n", was_pending, before,
	       (int)ticks);
	return was_pending == 1 && before == 0 && ticks == 1 ? 0 : 1;
}

static int eintr_part(void)
{
	int fds[2];
	char c;
	if (pipe(fds))
		return 1;
	install(0);
	ticks = 0;
	arm(10000, 0);
	ssize_t r = read(fds[0], &c, 1);
	int e = errno;
	install(SA_RESTART);
	close(fds[0]);
	close(fds[1]);
	printf("eintr: read -> %ld %s, handled=%d\n", (long)r, r < 0 ? errno_name(e) : "", (int)ticks);
	return r == -1 && e == EINTR && ticks == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t count = 5;
	if (argc > 2 || (argc == 2 && !parse_u64(argv[1], &count)) || count < 1 || count > 1000) {
		fprintf(stderr, "sigalrm: usage: sigalrm [COUNT]   (1..1000)\n");
		return 2;
	}
	install(SA_RESTART);
	int bad = itimer_part((int)count);
	bad += alarm_part();
	bad += blocked_part();
	bad += eintr_part();
	return bad ? 1 : 0;
}
