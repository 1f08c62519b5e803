/*
 * forkbomb — forks until fork fails or LIMIT children are alive, then lets
 * them all go and reaps them: how a kernel bounds the number of processes
 * (RLIMIT_NPROC, ulimit -u: EAGAIN) or runs out of memory for them.
 *
 * Usage: forkbomb [LIMIT]   (default: no limit, until fork fails)
 *
 * Every child blocks reading a pipe whose write end only the parent holds, so
 * all children are alive at once; when the parent stops forking it closes
 * the write end, every child's read returns 0 and the child exits with
 * status 0. The parent reaps with wait() until ECHILD.
 *
 * Output: "forked=N reaped=N stopped=limit" (or "stopped=EAGAIN" etc., the
 * errno that ended the forking), "clean=yes" if every child exited 0.
 * Status 0; 1 not every child was reaped cleanly; 2 bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "report.h"

int main(int argc, char **argv)
{
	uint64_t limit = UINT64_MAX;
	if (argc > 2 || (argc == 2 && !parse_u64(argv[1], &limit))) {
		fprintf(stderr, "forkbomb: usage: forkbomb [LIMIT]\n");
		return 2;
	}
	int gate[2];
	if (pipe(gate)) {
		printf("pipe failed: %s\n", errno_name(errno));
		return 1;
	}
	fflush(stdout);
	uint64_t forked = 0;
	const char *stopped = "limit";
	while (forked < limit) {
		pid_t pid = fork();
		if (pid < 0) {
			stopped = errno_name(errno);
			break;
		}
		if (pid == 0) {
			char c;
			close(gate[1]);
			_exit(read(gate[0], &c, 1) == 0 ? 0 : 1);
		}
		forked++;
	}
	close(gate[1]);
	uint64_t reaped = 0, clean = 0;
	int status;
	for (;;) {
		pid_t pid = wait(&status);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		reaped++;
		clean += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	printf("forked=%lu reaped=%lu stopped=%s\n", (unsigned long)forked, (unsigned long)reaped, stopped);
	printf("clean=%s\n", clean == forked && reaped == forked ? "yes" : "NO");
	return clean == forked && reaped == forked ? 0 : 1;
}
