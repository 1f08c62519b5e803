/*
 * thp_touch — touches a 64 MiB anonymous mapping one 4 KiB page at a time,
 * after asking for transparent huge pages on its 2 MiB-aligned part.
 *
 * Usage: thp_touch [STRIDE [split]]
 *   mmap 64 MiB PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS;
 *   madvise(MADV_HUGEPAGE) on the largest 2 MiB-aligned range inside it;
 *   pass 1: write byte (page * 7 + 1) & 0xff at the start of each 4 KiB page
 *           (16384 pages), reading each back into a sum;
 *   pass 2: when STRIDE > 0 (bytes, k/m suffixes allowed), read one byte
 *           every STRIDE bytes over the whole 64 MiB and sum them;
 *   split:  mprotect(PROT_READ) one 4 KiB page, munmap another and
 *           madvise(MADV_DONTNEED) a third, all inside the first 2 MiB-aligned
 *           block (so a kernel that mapped it with a 2 MiB leaf must split
 *           it), then check that every other page kept its byte, that the
 *           read-only page still reads back and that the DONTNEED page reads 0.
 *
 * Output (addresses go to stderr only, so stdout is the same everywhere):
 *   size=67108864 pages=16384
 *   madvise(MADV_HUGEPAGE)=0           or =-1 errno=N
 *   pass1: pages=16384 sum=2088960
 *   pass2: stride=S reads=R sum=N      (when STRIDE > 0)
 *   split: mprotect=0 munmap=0 dontneed=0 bad_pages=0   (with "split")
 * Status: 0 all went well; 1 a system call failed or a page held the wrong
 * byte; 2 bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

#define SIZE  (64UL << 20)
#define PAGE  4096UL
#define HUGE  (2UL << 20)
#define PAGES (SIZE / PAGE)

static unsigned char page_byte(unsigned long page)
{
	return (unsigned char)(page * 7 + 1);
}

int main(int argc, char **argv)
{
	uint64_t stride = 0;
	int split = argc > 2 && strcmp(argv[2], "split") == 0;
	if (argc > 3 || (argc > 1 && !parse_u64(argv[1], &stride)) || (argc > 2 && !split)) {
		fprintf(stderr, "thp_touch: usage: thp_touch [STRIDE [split]]\n");
		return 2;
	}
	int status = 0;

	unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "thp_touch: mmap of %lu bytes failed: errno %d\n", SIZE, errno);
		return 1;
	}
	uintptr_t start = (uintptr_t)p, end = start + SIZE;
	uintptr_t hstart = (start + HUGE - 1) & ~(HUGE - 1), hend = end & ~(HUGE - 1);
	fprintf(stderr, "thp_touch: mapping 0x%lx-0x%lx, 2 MiB-aligned part 0x%lx-0x%lx (%lu blocks)\n",
		(unsigned long)start, (unsigned long)end, (unsigned long)hstart, (unsigned long)hend,
		(unsigned long)((hend - hstart) / HUGE));
	printf("size=%lu pages=%lu\n", SIZE, PAGES);

	int r = madvise((void *)hstart, hend - hstart, MADV_HUGEPAGE);
	if (r == 0) {
		printf("madvise(MADV_HUGEPAGE)=0\n");
	} else {
		printf("madvise(MADV_HUGEPAGE)=-1 errno=%d\n", errno);
		status = 1;
	}

	unsigned long sum = 0;
	for (unsigned long pg = 0; pg < PAGES; pg++) {
		volatile unsigned char *b = p + pg * PAGE;
		*b = page_byte(pg);
		sum += *b;
	}
	printf("pass1: pages=%lu sum=%lu\n", PAGES, sum);

	if (stride) {
		unsigned long reads = 0;
		sum = 0;
		for (unsigned long off = 0; off < SIZE; off += stride, reads++)
			sum += ((volatile unsigned char *)p)[off];
		printf("pass2: stride=%lu reads=%lu sum=%lu\n", (unsigned long)stride, reads, sum);
	}

	if (split) {
		/* Three pages of the first huge block; the mapping is at least 31
		 * blocks long, so there is always one. */
		unsigned long base = (hstart - start) / PAGE;
		unsigned long ro = base + 5, gone = base + 9, zapped = base + 13;
		int rp = mprotect(p + ro * PAGE, PAGE, PROT_READ);
		int rm = munmap(p + gone * PAGE, PAGE);
		int rd = madvise(p + zapped * PAGE, PAGE, MADV_DONTNEED);
		unsigned long bad = 0;
		for (unsigned long pg = 0; pg < PAGES; pg++) {
			if (pg == gone)
				continue;
			unsigned char want = pg == zapped ? 0 : page_byte(pg);
			bad += ((volatile unsigned char *)p)[pg * PAGE] != want;
		}
		printf("split: mprotect=%d munmap=%d dontneed=%d bad_pages=%lu\n", rp, rm, rd, bad);
		if (rp || rm || rd || bad)
			status = 1;
	}
	return status;
}
