/*
 * malloc.c — the allocator of the mmlab no-libc runtime.
 *
 * Deliberately small, but it drives the same kernel interfaces glibc's
 * allocator does, so that a guest exercises brk, mmap, mremap and munmap:
 *
 *  - requests below the mmap threshold (128 KiB by default, as glibc's
 *    M_MMAP_THRESHOLD; mallopt can change it) come from the brk heap, in
 *    power-of-two size classes of 16 B .. 128 KiB with one free list each
 *    (no coalescing); the heap grows with brk in steps of at least 64 KiB;
 *  - larger requests get their own anonymous mmap; realloc of such a block
 *    to another large size is an mremap(MREMAP_MAYMOVE), and free is a
 *    munmap.
 *
 * Every block is preceded by a 16-byte header, so payloads are 16-byte
 * aligned.
 */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "syscall.h"

#define PAGE        4096UL
#define HDR         16UL
#define MIN_CLASS   16UL
#define NCLASSES    14               /* 16 B << 0 .. 16 B << 13 = 128 KiB */
#define HEAP_STEP   (64UL * 1024)
#define IS_MMAPPED  ((size_t)1 << 63)

struct header {
	size_t size;   /* usable bytes after the header; IS_MMAPPED for mmap blocks */
	size_t class;  /* size class, for heap blocks */
};

static size_t mmap_threshold = 128 * 1024;
static void *free_list[NCLASSES];   /* heads; the link is a block's first word */
static uintptr_t heap_cur, heap_end; /* the brk heap in use: [start, cur), break at end */

int mallopt(int param, int value)
{
	if (param != M_MMAP_THRESHOLD || value < 0)
		return 0;
	mmap_threshold = (size_t)value;
	return 1;
}

/* Move the program break to `want`; true when the kernel did. */
static int set_break(uintptr_t want)
{
	uintptr_t got = (uintptr_t)__rt_syscall1(__NR_brk, (long)want);
	if (got != want)
		return 0;
	heap_end = got;
	return 1;
}

void *sbrk(long increment)
{
	if (!heap_end)
		heap_cur = heap_end = (uintptr_t)__rt_syscall1(__NR_brk, 0);
	uintptr_t old = heap_end;
	if (increment && !set_break(old + (uintptr_t)increment)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_cur = heap_end;
	return (void *)old;
}

static void *heap_alloc(size_t n)
{
	size_t class = 0;
	while ((MIN_CLASS << class) < n)
		class++;
	void *p = free_list[class];
	if (p) {
		free_list[class] = *(void **)p;
		return p;
	}
	size_t need = HDR + (MIN_CLASS << class);
	if (!heap_end)
		heap_cur = heap_end = (uintptr_t)__rt_syscall1(__NR_brk, 0);
	if (heap_cur + need > heap_end) {
		size_t grow = (heap_cur + need - heap_end + HEAP_STEP - 1) & ~(HEAP_STEP - 1);
		if (!set_break(heap_end + grow))
			return NULL;
	}
	struct header *h = (struct header *)heap_cur;
	heap_cur += need;
	h->size = MIN_CLASS << class;
	h->class = class;
	return h + 1;
}

static size_t map_len(size_t n)
{
	return (n + HDR + PAGE - 1) & ~(PAGE - 1);
}

static void *map_alloc(size_t n)
{
	size_t len = map_len(n);
	struct header *h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return NULL;
	h->size = IS_MMAPPED | (len - HDR);
	h->class = 0;
	return h + 1;
}

void *malloc(size_t n)
{
	if (n > ((size_t)1 << 48)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = (n >= mmap_threshold || n > (MIN_CLASS << (NCLASSES - 1))) ? map_alloc(n)
										 : heap_alloc(n);
	if (!p)
		errno = ENOMEM;
	return p;
}

void free(void *p)
{
	if (!p)
		return;
	struct header *h = (struct header *)p - 1;
	if (h->size & IS_MMAPPED) {
		munmap(h, (h->size & ~IS_MMAPPED) + HDR);
		return;
	}
	*(void **)p = free_list[h->class];
	free_list[h->class] = p;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > ((size_t)1 << 48) / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(n * size);
	if (p && !(((struct header *)p - 1)->size & IS_MMAPPED))
		memset(p, 0, n * size);  /* fresh mmap memory is already zero */
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	struct header *h = (struct header *)p - 1;
	size_t have = h->size & ~IS_MMAPPED;
	if (h->size & IS_MMAPPED) {
		if (n >= mmap_threshold) {
			/* Large to large: let the kernel grow, shrink or move the mapping. */
			size_t old_len = have + HDR, new_len = map_len(n);
			if (new_len == old_len)
				return p;
			struct header *nh = mremap(h, old_len, new_len, MREMAP_MAYMOVE);
			if (nh == MAP_FAILED) {
				errno = ENOMEM;
				return NULL;
			}
			nh->size = IS_MMAPPED | (new_len - HDR);
			return nh + 1;
		}
	} else if (n <= have) {
		return p;  /* still fits its size class */
	}
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have < n ? have : n);
	free(p);
	return q;
}
