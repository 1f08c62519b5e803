/*
 * pi_mutex — priority-inheritance mutexes (glibc only: pthreads), as glibc's
 * PTHREAD_PRIO_INHERIT mutexes use FUTEX_LOCK_PI / TRYLOCK_PI / UNLOCK_PI,
 * and the errors Linux gives those operations for bad input.
 *
 * Usage: pi_mutex [THREADS [ITEMS]]   (default 4 threads, 1000 items each;
 * at most 16 threads)
 *
 *   counter   THREADS threads each add 1 ITEMS times to a shared counter
 *             under one PI mutex (contended: the kernel queues the waiters
 *             and hands the mutex over at unlock)
 *   trylock   pthread_mutex_trylock of a PI mutex another thread holds: EBUSY
 *   errors    raw futex calls: UNLOCK_PI of a word the caller does not own
 *             (EPERM), LOCK_PI of a word it owns (EDEADLK), of a word owned
 *             by no thread (ESRCH), of a misaligned word (EINVAL), TRYLOCK_PI
 *             of a held word (EAGAIN)
 *
 * Prints each result next to the value it must have. Status 0; 1 a result
 * is wrong; 2 bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static uint64_t threads = 4, items = 1000;
static pthread_mutex_t lock;
static uint64_t counter;
static pthread_barrier_t held, tried;
static int failures;

static void check(const char *what, long got, long want)
{
	printf("%-44s %ld (want %ld)\n", what, got, want);
	if (got != want)
		failures++;
}

static void *adder(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < items; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	pthread_barrier_wait(&held);
	pthread_barrier_wait(&tried);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* futex(uaddr, op) with no timeout: -errno or the result. */
static long futex_op(uint32_t *uaddr, int op)
{
	long r = syscall(SYS_futex, uaddr, op, 0, NULL, NULL, 0);
	return r < 0 ? -errno : r;
}

int main(int argc, char **argv)
{
	if (argc > 3 || (argc > 1 && (!parse_u64(argv[1], &threads) || threads < 1 || threads > 16)) ||
	    (argc > 2 && !parse_u64(argv[2], &items))) {
		fprintf(stderr, "usage: pi_mutex [THREADS(1-16) [ITEMS]]\n");
		return 2;
	}
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	if (pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT) != 0)
		return 1;
	pthread_mutex_init(&lock, &attr);

	pthread_t tids[16];
	for (uint64_t i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, adder, NULL);
	for (uint64_t i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	check("counter", (long)counter, (long)(threads * items));

	pthread_barrier_init(&held, NULL, 2);
	pthread_barrier_init(&tried, NULL, 2);
	pthread_t h;
	pthread_create(&h, NULL, holder, NULL);
	pthread_barrier_wait(&held);
	check("trylock of a held PI mutex (EBUSY)", pthread_mutex_trylock(&lock), EBUSY);
	uint32_t *word = (uint32_t *)&lock.__data.__lock;
	check("TRYLOCK_PI of a held word (-EAGAIN)", futex_op(word, FUTEX_TRYLOCK_PI), -EAGAIN);
	pthread_barrier_wait(&tried);
	pthread_join(h, NULL);
	check("lock after the holder unlocked", pthread_mutex_lock(&lock), 0);
	check("unlock", pthread_mutex_unlock(&lock), 0);

	static uint32_t w[2];
	w[0] = 0;
	check("UNLOCK_PI of a free word (-EPERM)", futex_op(&w[0], FUTEX_UNLOCK_PI), -EPERM);
	w[0] = (uint32_t)gettid();
	check("LOCK_PI of a word it owns (-EDEADLK)", futex_op(&w[0], FUTEX_LOCK_PI), -EDEADLK);
	check("UNLOCK_PI of a word it owns", futex_op(&w[0], FUTEX_UNLOCK_PI), 0);
	check("the word after UNLOCK_PI", (long)w[0], 0);
	check("LOCK_PI of a free word", futex_op(&w[0], FUTEX_LOCK_PI), 0);
	check("the word now holds the tid", w[0] == (uint32_t)gettid(), 1);
	w[1] = 0x3ffffff0;
	check("LOCK_PI, owner is no thread (-ESRCH)", futex_op(&w[1], FUTEX_LOCK_PI), -ESRCH);
	check("LOCK_PI of a misaligned word (-EINVAL)", futex_op((uint32_t *)((char *)w + 2), FUTEX_LOCK_PI),
	      -EINVAL);
	return failures ? 1 : 0;
}
