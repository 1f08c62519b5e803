/*
 * threadbomb — creates threads until pthread_create fails or LIMIT threads
 * are alive, then releases and joins them all: how a kernel bounds threads
 * (RLIMIT_NPROC, memory for stacks) under glibc's clone(CLONE_VM|...).
 *
 * Usage: threadbomb [LIMIT]   (default: no limit, until pthread_create fails)
 *
 * Each thread has a 64 KiB stack and waits on a condition variable until the
 * main thread stops creating and broadcasts; then it adds 1 to a counter and
 * ends. glibc only (pthreads).
 *
 * Output: "created=N joined=N stopped=limit" (or the error number's name
 * that pthread_create returned, e.g. EAGAIN), "counted=N". Status 0; 1 a
 * thread was not joined or not counted; 2 bad usage.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "report.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go;
static uint64_t counted;

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&go_cond, &lock);
	counted++;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t limit = UINT64_MAX;
	if (argc > 2 || (argc == 2 && !parse_u64(argv[1], &limit))) {
		fprintf(stderr, "threadbomb: usage: threadbomb [LIMIT]\n");
		return 2;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	size_t cap = 1024, created = 0;
	pthread_t *tids = malloc(cap * sizeof *tids);
	const char *stopped = "limit";
	while (tids && created < limit) {
		if (created == cap) {
			pthread_t *more = realloc(tids, 2 * cap * sizeof *tids);
			if (!more) {
				stopped = "realloc";
				break;
			}
			tids = more;
			cap *= 2;
		}
		int e = pthread_create(&tids[created], &attr, waiter, NULL);
		if (e) {
			stopped = errno_name(e);
			break;
		}
		created++;
	}
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&go_cond);
	pthread_mutex_unlock(&lock);
	size_t joined = 0;
	for (size_t i = 0; i < created; i++)
		joined += pthread_join(tids[i], NULL) == 0;
	printf("created=%lu joined=%lu stopped=%s\n", (unsigned long)created, (unsigned long)joined, stopped);
	printf("counted=%lu\n", (unsigned long)counted);
	free(tids);
	return joined == created && counted == created ? 0 : 1;
}
