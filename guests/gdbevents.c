/*
 * gdbevents — a program whose events a debugger is told about (issue 14):
 * signals that are not faults, a fork and an exec.
 *
 * Usage: gdbevents [EXEC_PATH]
 *        gdbevents child          (what the forked child runs after its exec)
 *
 * main installs a handler for SIGUSR1 and raises it (gdb stops with
 * SIGUSR1 unless told `handle SIGUSR1 nostop`), then arms alarm(1) and waits
 * in pause() until SIGALRM has run its handler (gdb passes SIGALRM without
 * stopping, by default). Then it forks: the child execs EXEC_PATH (with the
 * argument "child"; without EXEC_PATH it exits 3 at once), the parent
 * waits for it (SIGCHLD comes to the parent: ignored, as by default) and
 * prints what it saw.
 *
 * Output: "usr1=1 alrm=1", then, from the exec'd child, "child after exec",
 * then "child status 3". Status 0; 1 a check failed.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, alrm;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static void on_alrm(int sig)
{
	(void)sig;
	alrm++;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		printf("child after exec\n");
		return 3;
	}
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	signal(SIGALRM, on_alrm);
	alarm(1);
	while (!alrm)
		pause();
	printf("usr1=%d alrm=%d\n", (int)usr1, (int)alrm);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (argc > 1) {
			char *args[] = {argv[1], "child", NULL};
			execve(argv[1], args, NULL);
		}
		_exit(3);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
