/*
 * shootdown — the guest of `mmlab exp shootdown` (glibc only: pthreads).
 * THREADS threads, each pinned to its own hart (the main thread to hart 0,
 * worker i to hart i), touch a shared anonymous buffer; then the main thread
 * munmaps the buffer or mprotects it read-only while the workers wait on
 * their harts (asleep in a barrier: each hart keeps the process's address
 * space and the buffer's TLB entries, as an idle Linux hart in lazy TLB mode
 * does), so every hart that holds its translations must be shot down.
 *
 * Usage: shootdown OP MODE THREADS SIZE
 *   OP       munmap | mprotect
 *   MODE     whole  the buffer is one mapping, changed by one call
 *            split  the buffer is 8 mappings of SIZE/8 (alternately
 *                   PROT_READ|PROT_WRITE and with PROT_EXEC too, so they stay
 *                   8 VMAs), changed by 8 calls, one each
 *            batch  the same 8 mappings, changed by one call over all of them
 *   THREADS  1 to 8
 *   SIZE     bytes: a multiple of 4 KiB (split and batch: of 32 KiB)
 *
 * The buffer sits at BUF (MAP_FIXED: nothing is mapped there), so whoever watches the
 * system calls knows which munmap/mprotect calls are the measured ones. The
 * main thread writes every page first (the first-touch faults happen before
 * the workers exist); then each thread reads every STRIDE-th page (at most
 * 4096 pages, more than any preset's TLB holds) twice and waits. After the
 * calls the main thread checks the result: after munmap, reading the buffer
 * must fault (SIGSEGV, caught and longjmp'd out of); after mprotect, writing
 * must fault and every thread reads its pages again, with the same sums.
 *
 * Prints one line, "shootdown OP MODE THREADS SIZE: ok", and exits 0; 1 when a
 * check fails or a call fails (a message on stderr); 2 bad usage. A failed
 * sched_setaffinity (fewer CPUs than THREADS, as under qemu-user on a small
 * host) is a warning on stderr: the run goes on, unpinned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "common.h"

#define BUF ((uintptr_t)0x4000000000ULL)
#define PAGE 4096UL
#define PIECES 8
#define MAX_TOUCHES 4096UL
#define MAX_THREADS 8
#define LAPS 2

static int op_munmap, mode_whole, mode_split;
static uint64_t threads, size, pages, stride;
static pthread_barrier_t touched, changed;
static uint64_t sums[MAX_THREADS], resums[MAX_THREADS];
static sigjmp_buf fault_jmp;

static void die(const char *what)
{
	fprintf(stderr, "shootdown: %s\n", what);
	_exit(1);
}

/* Sum the first word of every stride-th page of the buffer. */
static uint64_t read_pages(void)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < pages; i += stride)
		sum += *(volatile uint64_t *)(BUF + i * PAGE);
	return sum;
}

static void pin(pthread_t who, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(who, sizeof set, &set) != 0)
		fprintf(stderr, "shootdown: warning: cannot pin a thread to cpu %d\n", cpu);
}

/* Thread `id`: LAPS reads of its pages, then it waits while the main thread
 * changes the buffer (after mprotect it reads its pages once more). */
static void touch_and_wait(long id, void (*change)(void))
{
	uint64_t sum = 0;
	for (int lap = 0; lap < LAPS; lap++)
		sum = read_pages();
	sums[id] = sum;
	pthread_barrier_wait(&touched);
	if (change)
		change();
	pthread_barrier_wait(&changed);
	if (!op_munmap)
		resums[id] = read_pages();
}

static void *worker(void *arg)
{
	touch_and_wait((long)arg, NULL);
	return NULL;
}

/* The buffer: one mapping, or PIECES of alternating protections. */
static void map_buffer(void)
{
	uint64_t n = mode_whole ? 1 : PIECES;
	uint64_t piece = size / n;
	for (uint64_t i = 0; i < n; i++) {
		int prot = PROT_READ | PROT_WRITE | (i % 2 ? PROT_EXEC : 0);
		void *want = (void *)(BUF + i * piece);
		void *p = mmap(want, piece, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != want)
			die("mmap of the buffer failed");
	}
	for (uint64_t i = 0; i < pages; i++)
		*(uint64_t *)(BUF + i * PAGE) = i + 1;
}

/* The measured calls: one over the buffer, or one per piece. */
static void change_buffer(void)
{
	uint64_t n = mode_split ? PIECES : 1;
	uint64_t piece = size / n;
	for (uint64_t i = 0; i < n; i++) {
		void *a = (void *)(BUF + i * piece);
		int r = op_munmap ? munmap(a, piece) : mprotect(a, piece, PROT_READ);
		if (r != 0)
			die(op_munmap ? "munmap failed" : "mprotect failed");
	}
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/* Does touching the buffer's first word (a write when `write`) fault? */
static int faults(int write)
{
	if (sigsetjmp(fault_jmp, 1))
		return 1;
	if (write)
		*(volatile uint64_t *)BUF = 0;
	else
		(void)*(volatile uint64_t *)BUF;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: shootdown munmap|mprotect whole|split|batch THREADS(1-8) SIZE\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return usage();
	op_munmap = strcmp(argv[1], "munmap") == 0;
	if (!op_munmap && strcmp(argv[1], "mprotect") != 0)
		return usage();
	mode_whole = strcmp(argv[2], "whole") == 0;
	mode_split = strcmp(argv[2], "split") == 0;
	if (!mode_whole && !mode_split && strcmp(argv[2], "batch") != 0)
		return usage();
	uint64_t unit = mode_whole ? PAGE : PAGE * PIECES;
	if (!parse_u64(argv[3], &threads) || threads < 1 || threads > MAX_THREADS ||
	    !parse_u64(argv[4], &size) || size == 0 || size % unit != 0)
		return usage();
	pages = size / PAGE;
	stride = pages > MAX_TOUCHES ? pages / MAX_TOUCHES : 1;

	pin(pthread_self(), 0);
	map_buffer();
	pthread_barrier_init(&touched, NULL, threads);
	pthread_barrier_init(&changed, NULL, threads);
	pthread_t tids[MAX_THREADS];
	for (uint64_t i = 1; i < threads; i++) {
		pthread_attr_t attr;
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(i, &set);
		pthread_attr_init(&attr);
		if (pthread_attr_setaffinity_np(&attr, sizeof set, &set) != 0)
			die("pthread_attr_setaffinity_np failed");
		int r = pthread_create(&tids[i], &attr, worker, (void *)(long)i);
		if (r == EINVAL) {
			fprintf(stderr, "shootdown: warning: cannot pin a thread to cpu %lu\n", (unsigned long)i);
			r = pthread_create(&tids[i], NULL, worker, (void *)(long)i);
		}
		if (r != 0)
			die("pthread_create failed");
		pthread_attr_destroy(&attr);
	}
	touch_and_wait(0, change_buffer);
	for (uint64_t i = 1; i < threads; i++)
		pthread_join(tids[i], NULL);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	if (!faults(!op_munmap))
		die(op_munmap ? "the buffer still reads after munmap" : "the buffer still takes writes after mprotect");
	for (uint64_t i = 0; i < threads; i++) {
		if (sums[i] != sums[0])
			die("the threads read different sums");
		if (!op_munmap && resums[i] != sums[0])
			die("a thread read other values after mprotect");
	}
	printf("shootdown %s %s %lu %lu: ok\n", argv[1], argv[2], (unsigned long)threads, (unsigned long)size);
	return 0;
}
