/*
 * oom_touch — maps and touches anonymous memory, CHUNK at a time, until a
 * limit, a failed mmap, or the kernel's out-of-memory killer (SIGKILL:
 * status 137 as a shell reports it).
 *
 * Usage: oom_touch [LIMIT [CHUNK]]   (sizes with k/m/g suffixes; default
 * LIMIT none, CHUNK 16m)
 *
 * Each chunk is a fresh MAP_PRIVATE|MAP_ANONYMOUS mapping (never unmapped);
 * one byte per 4 KiB page is written, so every page must really be
 * allocated. A line is printed and flushed after each chunk, so the output
 * shows how far it got before a kill.
 *
 * Output: "touched N MiB" per chunk, then "limit reached: N MiB" or
 * "mmap failed after N MiB: ENOMEM". Status 0 at the limit; 1 mmap failed;
 * 2 bad usage; 137 when the OOM killer ends it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "common.h"
#include "report.h"

int main(int argc, char **argv)
{
	uint64_t limit = UINT64_MAX, chunk = 16 << 20;
	if (argc > 3 || (argc > 1 && !parse_u64(argv[1], &limit)) || (argc > 2 && !parse_u64(argv[2], &chunk)) ||
	    chunk < 4096) {
		fprintf(stderr, "oom_touch: usage: oom_touch [LIMIT [CHUNK]]   (CHUNK >= 4k)\n");
		return 2;
	}
	uint64_t total = 0;
	while (total < limit) {
		uint64_t n = limit - total < chunk ? limit - total : chunk;
		volatile char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("mmap failed after %lu MiB: %s\n", (unsigned long)(total >> 20), errno_name(errno));
			return 1;
		}
		for (uint64_t off = 0; off < n; off += 4096)
			p[off] = 1;
		total += n;
		printf("touched %lu MiB\n", (unsigned long)(total >> 20));
		fflush(stdout);
	}
	printf("limit reached: %lu MiB\n", (unsigned long)(total >> 20));
	return 0;
}
