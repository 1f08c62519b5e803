/*
 * pipeline — two processes connected by a pipe, the parent waiting for both.
 *
 * Usage: pipeline [LINES]     (default 20000; k/m suffixes allowed)
 *        pipeline sigpipe
 *
 * The producer child writes LINES lines "line N: <N*N>\n" into the pipe (far
 * more than the pipe holds, so it blocks until the consumer reads); the
 * consumer child reads the pipe to its end, counts lines and bytes, checks
 * every line, prints its totals and a checksum and exits with status 7. The
 * parent closes both ends (else the consumer would never see end of file),
 * waits for the producer, then the consumer, and prints both statuses.
 *
 * With "sigpipe", the consumer reads one line and exits; the producer's next
 * write after that finds no reader, and the default action of SIGPIPE kills
 * it: the parent reports "killed by signal 13".
 *
 * Output (order fixed: the consumer prints before it exits, the parent only
 * after both exited): the consumer's line, then "producer: ..." and
 * "consumer: ...". Status 0; 1 a check failed; 2 bad usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "report.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Write the lines in 4 KiB batches; the exit status says how it went. */
static void producer(int fd, uint64_t lines)
{
	static char buf[4096];
	size_t len = 0;
	for (uint64_t i = 0; i < lines; i++) {
		if (len > sizeof buf - 64) {
			if (write_all(fd, buf, len))
				_exit(1);
			len = 0;
		}
		len += (size_t)snprintf(buf + len, sizeof buf - len, "line %lu: %lu\n", (unsigned long)i,
					(unsigned long)(i * i));
	}
	_exit(len && write_all(fd, buf, len) ? 1 : 0);
}

/* Parse "line N: M\n" records as they arrive, in any chunking. */
static void consumer(int fd, int just_one)
{
	static char buf[4096];
	char line[64];
	size_t llen = 0;
	uint64_t lines = 0, bytes = 0, sum = 0, bad = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		bytes += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (llen < sizeof line - 1)
					line[llen++] = buf[i];
				continue;
			}
			line[llen] = '\0';
			char want[64];
			snprintf(want, sizeof want, "line %lu: %lu", (unsigned long)lines,
				 (unsigned long)(lines * lines));
			bad += strcmp(line, want) != 0;
			sum = sum * 31 + lines * lines;
			lines++;
			llen = 0;
			if (just_one) {
				printf("consumer: read one line, exiting\n");
				fflush(stdout);
				_exit(7);
			}
		}
	}
	printf("consumer: lines=%lu bytes=%lu bad=%lu checksum=%lu\n", (unsigned long)lines,
	       (unsigned long)bytes, (unsigned long)bad, (unsigned long)sum);
	fflush(stdout);
	_exit(7);
}

int main(int argc, char **argv)
{
	uint64_t lines = 20000;
	int sigpipe = argc == 2 && strcmp(argv[1], "sigpipe") == 0;
	if (argc > 2 || (argc == 2 && !sigpipe && !parse_u64(argv[1], &lines))) {
		fprintf(stderr, "pipeline: usage: pipeline [LINES | sigpipe]\n");
		return 2;
	}
	if (sigpipe)
		lines = 1000000;  /* far more than a pipe holds */
	int fds[2];
	if (pipe(fds) != 0) {
		printf("pipe failed: %s\n", errno_name(errno));
		return 1;
	}
	fflush(stdout);
	pid_t prod = fork();
	if (prod == 0) {
		close(fds[0]);
		producer(fds[1], lines);
	}
	pid_t cons = prod < 0 ? -1 : fork();
	if (cons == 0) {
		close(fds[1]);
		consumer(fds[0], sigpipe);
	}
	close(fds[0]);
	close(fds[1]);
	if (prod < 0 || cons < 0) {
		printf("fork failed: %s\n", errno_name(errno));
		return 1;
	}
	int ps, cs;
	if (waitpid(prod, &ps, 0) != prod || waitpid(cons, &cs, 0) != cons) {
		printf("waitpid failed: %s\n", errno_name(errno));
		return 1;
	}
	printf("producer: %s\n", status_text(ps));
	printf("consumer: %s\n", status_text(cs));
	int ok = sigpipe ? WIFSIGNALED(ps) && WTERMSIG(ps) == SIGPIPE : WIFEXITED(ps) && WEXITSTATUS(ps) == 0;
	return ok && WIFEXITED(cs) && WEXITSTATUS(cs) == 7 ? 0 : 1;
}
