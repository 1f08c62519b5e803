/*
 * fork_wait — forks children that end in different ways and reports each
 * wait status as the W* macros read it.
 *
 * Usage: fork_wait [PROGRAM]   (default "exitcode", found through PATH)
 *
 * One child at a time; the parent waits for each before it forks the next,
 * so the output order is fixed. The children:
 *   1  returns 0 from its function and calls exit(0)
 *   2  calls _exit(3)
 *   3  calls exit(255)
 *   4  execs "PROGRAM 42" (exitcode prints "exitcode: 42" and returns 42)
 *   5  execs a program that does not exist: reports the errno, _exit(127)
 *   6  raises SIGTERM on itself
 *   7  writes through a NULL pointer (SIGSEGV)
 *   8  waits in pause() until the parent kills it with SIGKILL
 *   9  checks that getppid() is the parent's pid, exits 0 if so
 * Then wait() with no children left must fail with ECHILD.
 *
 * Output: per child "child N: WIFEXITED=x WEXITSTATUS=x WIFSIGNALED=x
 * WTERMSIG=x (text)", lines the children print themselves, and "ECHILD ok".
 * Status 0; 1 a check failed (fork or waitpid failed, wrong pid).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

static const char *program = "exitcode";

static void child(int n, pid_t parent)
{
	switch (n) {
	case 1:
		exit(0);
	case 2:
		_exit(3);
	case 3:
		exit(255);
	case 4: {
		char *args[] = {(char *)program, "42", NULL};
		execvp(program, args);
		printf("child 4: exec %s failed: %s\n", program, errno_name(errno));
		fflush(stdout);
		_exit(126);
	}
	case 5: {
		char *args[] = {"no-such-program-here", NULL};
		execvp(args[0], args);
		printf("child 5: exec failed: %s\n", errno_name(errno));
		fflush(stdout);
		_exit(127);
	}
	case 6:
		raise(SIGTERM);
		_exit(1);
	case 7: {
		volatile int *p = NULL;
		__asm__ volatile("" : "+r"(p));  /* keep the store a store */
		*p = 7;
		_exit(1);
	}
	case 8:
		for (;;)
			pause();
	case 9:
		_exit(getppid() == parent ? 0 : 1);
	}
	_exit(99);
}

int main(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "fork_wait: usage: fork_wait [PROGRAM]\n");
		return 2;
	}
	if (argc == 2)
		program = argv[1];
	pid_t self = getpid();
	int failures = 0;
	for (int n = 1; n <= 9; n++) {
		fflush(stdout);  /* else the child would inherit and print our buffer too */
		pid_t pid = fork();
		if (pid < 0) {
			printf("child %d: fork failed: %s\n", n, errno_name(errno));
			failures++;
			continue;
		}
		if (pid == 0)
			child(n, self);
		if (n == 8 && kill(pid, SIGKILL) != 0) {
			printf("child 8: kill failed: %s\n", errno_name(errno));
			failures++;
		}
		int status;
		pid_t got = waitpid(pid, &status, 0);
		if (got != pid) {
			printf("child %d: waitpid returned %d (%s)\n", n, (int)got, errno_name(errno));
			failures++;
			continue;
		}
		printf("child %d: WIFEXITED=%d WEXITSTATUS=%d WIFSIGNALED=%d WTERMSIG=%d (%s)\n", n,
		       WIFEXITED(status) ? 1 : 0, WEXITSTATUS(status), WIFSIGNALED(status) ? 1 : 0,
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0, status_text(status));
	}
	int status;
	if (wait(&status) == -1 && errno == ECHILD) {
		printf("ECHILD ok\n");
	} else {
		printf("wait with no children: expected ECHILD\n");
		failures++;
	}
	return failures ? 1 : 0;
}
