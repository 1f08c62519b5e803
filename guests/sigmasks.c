/*
 * sigmasks — signal masks, the pending set, the handler flags and the
 * alternate signal stack, each part printing what it saw.
 *
 * Usage: sigmasks
 *
 *   pending    SIGUSR1 and SIGUSR2 blocked, then raised: sigpending shows
 *              both and no handler has run; unblocking both at once runs
 *              both handlers before sigprocmask returns — the kernel stacks
 *              one frame per signal, lowest number first, so the last one
 *              set up (SIGUSR2's) runs first
 *   coalesce   a standard signal raised 3 times while blocked is delivered
 *              once; a real-time one (signal 40) 3 times
 *   nodefer    with SA_NODEFER, SIGUSR1 raised inside its own handler nests
 *   resethand  with SA_RESETHAND, the handler reads back as SIG_DFL after the
 *              first delivery
 *   ignore     setting SIG_IGN discards a pending signal
 *   siginfo    kill() gives si_code SI_USER and the sender's pid; raise()
 *              (tgkill) gives SI_TKILL
 *   altstack   with SA_ONSTACK the handler runs on the sigaltstack (its local
 *              variable lies inside it and sigaltstack() says SS_ONSTACK);
 *              outside a handler the stack reads back with flags 0, and after
 *              SS_DISABLE as disabled
 *
 * Not here: sa_mask. qemu-riscv64 7.2 (Debian 12) does not block a handler's
 * sa_mask while it runs, so its record would not be Linux's answer;
 * test/kernel/signal.test.ts checks sa_mask instead.
 *
 * Output: one line per part; it depends on nothing but the program. Status 0;
 * 1 a check failed.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SIGRT 40

static char log_buf[256];
static volatile int log_len;
static volatile int depth, max_depth, rt_count;
static volatile int info_code, info_pid_ok;
static volatile int on_alt, alt_flags;
static char altstack[64 * 1024];

static void note(const char *s)
{
	while (*s && log_len < (int)sizeof log_buf - 1)
		log_buf[log_len++] = *s++;
	log_buf[log_len] = 0;
}

static void reset_log(void)
{
	log_len = 0;
	log_buf[0] = 0;
}

static void install(int sig, void (*fn)(int), int flags, int mask_sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (mask_sig)
		sigaddset(&sa.sa_mask, mask_sig);
	sigaction(sig, &sa, NULL);
}

static void block(int how, int a, int b)
{
	sigset_t s;
	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	sigprocmask(how, &s, NULL);
}

static void on_usr1(int sig)
{
	(void)sig;
	note("usr1 ");
}

static void on_usr2(int sig)
{
	(void)sig;
	note("usr2 ");
}

static int pending_part(void)
{
	reset_log();
	install(SIGUSR1, on_usr1, 0, 0);
	install(SIGUSR2, on_usr2, 0, 0);
	block(SIG_BLOCK, SIGUSR1, SIGUSR2);
	raise(SIGUSR1);
	raise(SIGUSR2);
	sigset_t p;
	sigpending(&p);
	int p1 = sigismember(&p, SIGUSR1), p2 = sigismember(&p, SIGUSR2), ran = log_len;
	block(SIG_UNBLOCK, SIGUSR1, SIGUSR2);
	printf("pending: usr1=%d usr2=%d handled-while-blocked=%d after-unblock=%s\n", p1, p2, ran, log_buf);
	return p1 == 1 && p2 == 1 && ran == 0 && !strcmp(log_buf, "usr2 usr1 ") ? 0 : 1;
}

static void on_rt(int sig)
{
	(void)sig;
	rt_count++;
}

static int coalesce_part(void)
{
	reset_log();
	rt_count = 0;
	install(SIGRT, on_rt, 0, 0);
	block(SIG_BLOCK, SIGUSR1, SIGRT);
	for (int i = 0; i < 3; i++) {
		raise(SIGUSR1);
		raise(SIGRT);
	}
	block(SIG_UNBLOCK, SIGUSR1, SIGRT);
	int usr1 = (int)(strlen(log_buf) / strlen("usr1 "));
	printf("coalesce: usr1 raised 3 handled %d, signal %d raised 3 handled %d\n", usr1, SIGRT, (int)rt_count);
	return usr1 == 1 && rt_count == 3 ? 0 : 1;
}

static volatile int nest_raised;

/* Raises its own signal once, from inside: nested at once with SA_NODEFER,
 * else run again after this one returns. */
static void on_usr1_nesting(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (!nest_raised) {
		nest_raised = 1;
		raise(sig);
	}
	depth--;
}

static int nodefer_part(void)
{
	depth = max_depth = nest_raised = 0;
	install(SIGUSR1, on_usr1_nesting, SA_NODEFER, 0);
	raise(SIGUSR1);
	int with = max_depth;
	depth = max_depth = nest_raised = 0;
	install(SIGUSR1, on_usr1_nesting, 0, 0);
	raise(SIGUSR1);
	printf("nodefer: depth with SA_NODEFER %d, without %d\n", with, (int)max_depth);
	return with == 2 && max_depth == 1 ? 0 : 1;
}

static int resethand_part(void)
{
	reset_log();
	install(SIGUSR1, on_usr1, SA_RESETHAND, 0);
	raise(SIGUSR1);
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	int dfl = now.sa_handler == SIG_DFL;
	printf("resethand: handled %d time(s), then %s\n", log_len / 5, dfl ? "SIG_DFL" : "still caught");
	return dfl && !strcmp(log_buf, "usr1 ") ? 0 : 1;
}

static int ignore_part(void)
{
	reset_log();
	install(SIGUSR1, on_usr1, 0, 0);
	block(SIG_BLOCK, SIGUSR1, 0);
	raise(SIGUSR1);
	install(SIGUSR1, (void (*)(int))SIG_IGN, 0, 0);
	sigset_t p;
	sigpending(&p);
	int still = sigismember(&p, SIGUSR1);
	install(SIGUSR1, on_usr1, 0, 0);
	block(SIG_UNBLOCK, SIGUSR1, 0);
	printf("ignore: pending after SIG_IGN %d, handled %d\n", still, log_len);
	return still == 0 && log_len == 0 ? 0 : 1;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	info_code = si->si_code;
	info_pid_ok = si->si_pid == getpid();
}

static int siginfo_part(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	kill(getpid(), SIGUSR2);
	int kill_code = info_code, kill_pid = info_pid_ok;
	raise(SIGUSR2);
	printf("siginfo: kill code=%s pid=%s, raise code=%s\n", kill_code == SI_USER ? "SI_USER" : "other",
	       kill_pid ? "self" : "other", info_code == SI_TKILL ? "SI_TKILL" : "other");
	return kill_code == SI_USER && kill_pid && info_code == SI_TKILL ? 0 : 1;
}

static void on_alt_usr1(int sig)
{
	(void)sig;
	char local;
	uintptr_t a = (uintptr_t)&local, lo = (uintptr_t)altstack;
	on_alt = a >= lo && a < lo + sizeof altstack;
	stack_t cur;
	sigaltstack(NULL, &cur);
	alt_flags = cur.ss_flags;
}

static int altstack_part(void)
{
	stack_t ss = {.ss_sp = altstack, .ss_flags = 0, .ss_size = sizeof altstack}, cur;
	if (sigaltstack(&ss, NULL))
		return 1;
	install(SIGUSR1, on_alt_usr1, SA_ONSTACK, 0);
	raise(SIGUSR1);
	int in = on_alt, flags_in = alt_flags;
	sigaltstack(NULL, &cur);
	int flags_out = cur.ss_flags, size_ok = cur.ss_size == sizeof altstack && cur.ss_sp == altstack;
	install(SIGUSR1, on_alt_usr1, 0, 0);
	raise(SIGUSR1);
	int in_without = on_alt;
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	sigaltstack(NULL, &cur);
	printf("altstack: on it=%s flags there=%s outside=%d without SA_ONSTACK on it=%s disabled=%s\n",
	       in ? "yes" : "no", flags_in == SS_ONSTACK ? "SS_ONSTACK" : "other", flags_out,
	       in_without ? "yes" : "no", cur.ss_flags == SS_DISABLE ? "yes" : "no");
	return in && flags_in == SS_ONSTACK && flags_out == 0 && size_ok && !in_without && cur.ss_flags == SS_DISABLE
		       ? 0
		       : 1;
}

int main(void)
{
	int bad = pending_part();
	bad += coalesce_part();
	bad += nodefer_part();
	bad += resethand_part();
	bad += ignore_part();
	bad += siginfo_part();
	bad += altstack_part();
	return bad ? 1 : 0;
}
