/*
 * pthreads — worker threads sharing memory through a mutex, a condition
 * variable and a barrier (glibc only: clone with CLONE_VM|CLONE_THREAD|...,
 * futexes, set_tid_address's clear-and-wake at thread exit).
 *
 * Usage: pthreads [WORKERS [ITEMS]]   (default 4 workers, 2000 items; at most
 * 64 workers)
 *
 *   mutex    each worker adds 1..ITEMS to a shared total and bumps a shared
 *            counter, one lock/unlock per addition
 *   barrier  all workers and the main thread meet; exactly one of them gets
 *            PTHREAD_BARRIER_SERIAL_THREAD
 *   queue    the main thread produces ITEMS numbers into an 8-slot ring
 *            guarded by one mutex and two condition variables (not full, not
 *            empty); the workers consume them until an end marker each
 *   slices   after a second barrier each worker sums the squares of its own
 *            slice of an array and returns the sum through pthread_join
 *
 * Only totals are printed (which worker took which item depends on the
 * scheduler; the totals do not), each next to the value it must have.
 * Status 0; 1 a total is wrong or a call failed; 2 bad usage.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

#define RING 8
#define SLICE 1000

static uint64_t workers = 4, items = 2000;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t counter, total;

static pthread_barrier_t barrier;
static int serial_count;

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static int64_t ring[RING];
static unsigned head, tail, fill;
static uint64_t consumed, consumed_sum;

static uint64_t *array;

static void put(int64_t v)
{
	pthread_mutex_lock(&ring_lock);
	while (fill == RING)
		pthread_cond_wait(&not_full, &ring_lock);
	ring[tail] = v;
	tail = (tail + 1) % RING;
	fill++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&ring_lock);
}

static int64_t take(void)
{
	pthread_mutex_lock(&ring_lock);
	while (fill == 0)
		pthread_cond_wait(&not_empty, &ring_lock);
	int64_t v = ring[head];
	head = (head + 1) % RING;
	fill--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&ring_lock);
	return v;
}

static void meet(void)
{
	if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
		pthread_mutex_lock(&lock);
		serial_count++;
		pthread_mutex_unlock(&lock);
	}
}

static void *worker(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	for (uint64_t i = 1; i <= items; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		total += i;
		pthread_mutex_unlock(&lock);
	}
	meet();

	uint64_t n = 0, sum = 0;
	for (int64_t v; (v = take()) >= 0;) {
		n++;
		sum += (uint64_t)v;
	}
	pthread_mutex_lock(&lock);
	consumed += n;
	consumed_sum += sum;
	pthread_mutex_unlock(&lock);
	meet();

	uint64_t squares = 0;
	for (uint64_t i = id * SLICE; i < (id + 1) * SLICE; i++)
		squares += array[i] * array[i];
	return (void *)(uintptr_t)squares;
}

static int check(const char *what, uint64_t got, uint64_t want)
{
	printf("%s=%lu (expected %lu)%s\n", what, (unsigned long)got, (unsigned long)want,
	       got == want ? "" : " WRONG");
	return got == want ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 3 || (argc > 1 && !parse_u64(argv[1], &workers)) || (argc > 2 && !parse_u64(argv[2], &items)) ||
	    workers < 1 || workers > 64) {
		fprintf(stderr, "pthreads: usage: pthreads [WORKERS [ITEMS]]   (1 <= WORKERS <= 64)\n");
		return 2;
	}
	array = malloc(workers * SLICE * sizeof *array);
	if (!array)
		return 1;
	for (uint64_t i = 0; i < workers * SLICE; i++)
		array[i] = i % 977;
	pthread_barrier_init(&barrier, NULL, (unsigned)workers + 1);

	pthread_t tids[64];
	for (uint64_t t = 0; t < workers; t++)
		if (pthread_create(&tids[t], NULL, worker, (void *)(uintptr_t)t) != 0) {
			printf("pthread_create failed\n");
			return 1;
		}
	meet();
	for (uint64_t i = 1; i <= items; i++)
		put((int64_t)i);
	for (uint64_t t = 0; t < workers; t++)
		put(-1);
	meet();

	uint64_t squares = 0, joined = 0;
	for (uint64_t t = 0; t < workers; t++) {
		void *r;
		if (pthread_join(tids[t], &r) == 0) {
			joined++;
			squares += (uint64_t)(uintptr_t)r;
		}
	}
	uint64_t want_squares = 0;
	for (uint64_t i = 0; i < workers * SLICE; i++)
		want_squares += (i % 977) * (i % 977);

	printf("pthreads: workers=%lu items=%lu\n", (unsigned long)workers, (unsigned long)items);
	int bad = check("mutex counter", counter, workers * items);
	bad += check("mutex total", total, workers * items * (items + 1) / 2);
	bad += check("barrier serial", (uint64_t)serial_count, 2);
	bad += check("queue items", consumed, items);
	bad += check("queue sum", consumed_sum, items * (items + 1) / 2);
	bad += check("slices squares", squares, want_squares);
	bad += check("joined", joined, workers);
	pthread_barrier_destroy(&barrier);
	free(array);
	return bad ? 1 : 0;
}
