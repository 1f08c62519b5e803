/*
 * cow — copy-on-write after fork: parent and child write the same buffer and
 * each must keep seeing only its own writes; a MAP_SHARED anonymous buffer,
 * by contrast, is one memory for both.
 *
 * Usage: cow [PAGES]   (default 256 pages of 4 KiB = 1 MiB, at most 65536)
 *
 *   private  an anonymous MAP_PRIVATE buffer of PAGES pages, filled with a
 *            pattern (page i: bytes i & 0xff ^ 0x5a) before fork. The child
 *            overwrites every odd page with 'c' and checks that even pages
 *            still hold the pattern; the parent overwrites every even page
 *            with 'p' (before waiting: both write while the other is alive)
 *            and, after the child exited, checks that odd pages still hold
 *            the pattern. Each side prints a checksum of its whole view.
 *   heap     the same on a small malloc'ed block (brk memory)
 *   shared   an anonymous MAP_SHARED page: the child writes a word, the
 *            parent reads it after wait
 *   stack    a local variable changed in the child keeps its value in the
 *            parent
 *
 * Output: the child's lines (printed and flushed before it exits), then the
 * parent's, after waitpid. Status 0; 1 a check failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "report.h"

#define PAGE 4096

static uint64_t pages = 256;

static unsigned char pattern(uint64_t page)
{
	return (unsigned char)((page & 0xff) ^ 0x5a);
}

static void fill(unsigned char *buf, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		memset(buf + i * PAGE, pattern(i), PAGE);
}

/* Overwrite the pages of the given parity with c. */
static void scribble(unsigned char *buf, uint64_t n, int parity, unsigned char c)
{
	for (uint64_t i = parity; i < n; i += 2)
		memset(buf + i * PAGE, c, PAGE);
}

/* Count bytes of the pages of the given parity that lost the pattern. */
static uint64_t damaged(const unsigned char *buf, uint64_t n, int parity)
{
	uint64_t bad = 0;
	for (uint64_t i = parity; i < n; i += 2)
		for (uint64_t j = 0; j < PAGE; j++)
			bad += buf[i * PAGE + j] != pattern(i);
	return bad;
}

static uint64_t checksum(const unsigned char *buf, uint64_t bytes)
{
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
	for (uint64_t i = 0; i < bytes; i++)
		h = (h ^ buf[i]) * 1099511628211ULL;
	return h;
}

int main(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && !parse_u64(argv[1], &pages)) || pages < 2 || pages > 65536) {
		fprintf(stderr, "cow: usage: cow [PAGES]   (2..65536)\n");
		return 2;
	}
	unsigned char *priv = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *heap = malloc(4 * PAGE);
	volatile uint64_t *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (priv == MAP_FAILED || !heap || shared == MAP_FAILED) {
		printf("setup failed: %s\n", errno_name(errno));
		return 1;
	}
	fill(priv, pages);
	fill(heap, 4);
	*shared = 1;
	volatile int local = 100;

	printf("cow: pages=%lu\n", (unsigned long)pages);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", errno_name(errno));
		return 1;
	}
	if (pid == 0) {
		scribble(priv, pages, 1, 'c');
		scribble(heap, 4, 1, 'c');
		uint64_t bad = damaged(priv, pages, 0) + damaged(heap, 4, 0);
		*shared = 0xc0ffee;
		local = 200;
		printf("child: even pages intact=%s checksum=%016lx heap=%016lx local=%d\n", bad ? "NO" : "yes",
		       (unsigned long)checksum(priv, pages * PAGE), (unsigned long)checksum(heap, 4 * PAGE), local);
		fflush(stdout);
		_exit(bad ? 1 : 0);
	}
	scribble(priv, pages, 0, 'p');
	scribble(heap, 4, 0, 'p');
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		printf("waitpid failed: %s\n", errno_name(errno));
		return 1;
	}
	uint64_t bad = damaged(priv, pages, 1) + damaged(heap, 4, 1);
	printf("parent: child %s\n", status_text(status));
	printf("parent: odd pages intact=%s checksum=%016lx heap=%016lx local=%d\n", bad ? "NO" : "yes",
	       (unsigned long)checksum(priv, pages * PAGE), (unsigned long)checksum(heap, 4 * PAGE), local);
	printf("parent: shared word=0x%lx\n", (unsigned long)*shared);
	int ok = !bad && local == 100 && *shared == 0xc0ffee && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return ok ? 0 : 1;
}
