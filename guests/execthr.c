/*
 * execthr — execve from a thread that is not the group leader, execveat,
 * "#!" scripts' edge cases, and vfork (glibc only: pthreads).
 *
 * Usage: execthr [all]   (with PATH naming the directory that holds execthr;
 *                         without it, /proc/self/exe)
 *
 *   thread    a child process starts a second thread, which execs this
 *             program while the first sleeps: the new image has the child's
 *             pid, its tid is that pid, its parent is unchanged, and the
 *             parent reaps it with the status the new image exits with
 *   script    "#!" lines written to /tmp: one argument with inner spaces
 *             (kept as one), none, a line with no newline at the end, a
 *             script whose interpreter is a script, the arguments the
 *             caller passes after the script's name; a missing interpreter
 *             (ENOENT), an empty "#!" line (ENOEXEC), a script without an x
 *             bit (EACCES)
 *
 * Usage: execthr all   adds two parts that qemu-riscv64 (7.2) cannot show (it
 * has no execveat: ENOSYS; it runs vfork as fork), recorded from this program
 * built for the host and run on its Linux
 * (guests/expected/execthr.all.host-linux.out):
 *
 *   execveat  AT_EMPTY_PATH with an fd of this program; a name relative to
 *             a directory fd; the errors: an empty name without
 *             AT_EMPTY_PATH (ENOENT), unknown flags (EINVAL), a bad fd
 *             (EBADF), a name relative to a file's fd (ENOTDIR),
 *             AT_SYMLINK_NOFOLLOW on a symbolic link (ELOOP)
 *   vfork     the parent sleeps until the child exits or execs; until then
 *             they share memory: the child's writes are seen by the parent
 *
 * Internal modes: "execthr after PID PPID" (the image the thread exec'd);
 * "execthr show..." (prints its arguments, for the scripts); "execthr exit N".
 *
 * Output: one line per check; status 0, 1 when a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

extern char **environ;

static int failures;
static char self[4096];
static char dir[4096];

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "yes" : "NO");
	if (!ok)
		failures++;
}

/* This program's path: PATH's "execthr", else /proc/self/exe. */
static void find_self(void)
{
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		snprintf(self, sizeof self, "%.*s/execthr", (int)n, path);
		if (access(self, X_OK) == 0)
			goto found;
		path = end ? end + 1 : NULL;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
found:
	strcpy(dir, self);
	*strrchr(dir, '/') = 0;
}

static long xexecveat(int dfd, const char *name, char *const argv[], int flags)
{
	long r = syscall(SYS_execveat, dfd, name, argv, environ, flags);
	return r < 0 ? -errno : r;
}

/* Fork; the child runs fn(arg) (which execs or exits); the parent returns the
 * child's wait status text. */
static const char *run_child(void (*fn)(void *), void *arg)
{
	int st = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	return status_text(st);
}

/* ---- thread ---- */

static void *exec_from_thread(void *arg)
{
	char pid[16], ppid[16];
	(void)arg;
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	snprintf(ppid, sizeof ppid, "%d", (int)getppid());
	char *argv[] = {"execthr", "after", pid, ppid, NULL};
	execve(self, argv, environ);
	printf("thread: execve failed: %s\n", errno_name(errno));
	fflush(stdout);
	_exit(98);
}

static void thread_child(void *arg)
{
	pthread_t t;
	(void)arg;
	pthread_create(&t, NULL, exec_from_thread, NULL);
	for (;;)
		pause(); /* de_thread kills this thread */
}

static int after(char **argv)
{
	check(getpid() == atoi(argv[2]), "thread: the new image has the process's pid");
	check(syscall(SYS_gettid) == getpid(), "thread: its tid is the pid (it took the leader's)");
	check(getppid() == atoi(argv[3]), "thread: its parent is unchanged");
	return 42;
}

static void part_thread(void)
{
	printf("thread: the parent reaps it: %s\n", run_child(thread_child, NULL));
}

/* ---- execveat ---- */

static void empty_path_child(void *arg)
{
	(void)arg;
	int fd = open(self, O_RDONLY);
	char *argv[] = {"execthr", "exit", "3", NULL};
	long r = xexecveat(fd, "", argv, AT_EMPTY_PATH);
	printf("execveat: AT_EMPTY_PATH failed: %s\n", errno_name((int)-r));
}

static void dirfd_child(void *arg)
{
	(void)arg;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	char *argv[] = {"execthr", "exit", "4", NULL};
	long r = xexecveat(dfd, "execthr", argv, 0);
	printf("execveat: relative to a dirfd failed: %s\n", errno_name((int)-r));
}

static void part_execveat(void)
{
	char *argv[] = {"execthr", "exit", "9", NULL};
	printf("execveat: AT_EMPTY_PATH with an fd: %s\n", run_child(empty_path_child, NULL));
	printf("execveat: a name relative to a dirfd: %s\n", run_child(dirfd_child, NULL));
	int fd = open(self, O_RDONLY);
	printf("execveat: empty name without AT_EMPTY_PATH: %s\n", errno_name((int)-xexecveat(fd, "", argv, 0)));
	printf("execveat: unknown flags: %s\n", errno_name((int)-xexecveat(fd, "", argv, AT_EMPTY_PATH | 0x10000000)));
	printf("execveat: bad fd: %s\n", errno_name((int)-xexecveat(-1, "execthr", argv, 0)));
	printf("execveat: relative to a file's fd: %s\n", errno_name((int)-xexecveat(fd, "execthr", argv, 0)));
	char link[64];
	snprintf(link, sizeof link, "/tmp/execthr-link-%d", (int)getpid());
	unlink(link);
	symlink(self, link);
	printf("execveat: AT_SYMLINK_NOFOLLOW on a link: %s\n",
	       errno_name((int)-xexecveat(AT_FDCWD, link, argv, AT_SYMLINK_NOFOLLOW)));
	unlink(link);
	close(fd);
}

/* ---- scripts ---- */

static char script_path[64], script2_path[64];

static void write_script(const char *path, const char *text, int mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	write(fd, text, strlen(text));
	close(fd);
}

static void exec_script_child(void *arg)
{
	const char *path = arg;
	char *argv[] = {"the-script", "extra one", "extra2", NULL};
	execve(path, argv, environ);
	printf("script: exec failed: %s\n", errno_name(errno));
	fflush(stdout);
	_exit(97);
}

/* One script: its text (with the interpreter written as @), then run. */
static void script_case(const char *what, const char *text)
{
	char buf[8192];
	char *at = strchr(text, '@');
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, self, at + 1);
	write_script(script_path, buf, 0755);
	printf("script: %s:\n", what);
	printf("script: %s: %s\n", what, run_child(exec_script_child, script_path));
}

static long try_exec(const char *path)
{
	char *argv[] = {"x", NULL};
	execve(path, argv, environ);
	return errno;
}

static void part_script(void)
{
	snprintf(script_path, sizeof script_path, "/tmp/execthr-%d.sh", (int)getpid());
	snprintf(script2_path, sizeof script2_path, "/tmp/execthr-%d-2.sh", (int)getpid());
	script_case("one argument with spaces", "#!@ show  a   b  \n");
	script_case("no argument", "#! @\n");
	script_case("no newline", "#!@ show-nonl");
	char nested[128];
	snprintf(nested, sizeof nested, "#!%s\n", script_path);
	script_case("the inner script", "#!@ show nested\n");
	write_script(script2_path, nested, 0755);
	printf("script: a script as interpreter: %s\n", run_child(exec_script_child, script2_path));
	write_script(script_path, "#!/no/such/interpreter\n", 0755);
	printf("script: missing interpreter: %s\n", errno_name((int)try_exec(script_path)));
	write_script(script_path, "#!\n", 0755);
	printf("script: empty #! line: %s\n", errno_name((int)try_exec(script_path)));
	write_script(script_path, "#!/bin/sh\n", 0644);
	printf("script: no x bit: %s\n", errno_name((int)try_exec(script_path)));
	unlink(script_path);
	unlink(script2_path);
}

/* The arguments a script's interpreter got: the script's path shown as its
 * name's end, argv[0] (the interpreter's path) not shown. */
static int show(int argc, char **argv)
{
	printf("show: argc=%d", argc);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *tmp = strstr(a, "/tmp/execthr-");
		if (tmp)
			printf(" [script%s]", strstr(tmp, "-2.sh") ? "2" : "");
		else
			printf(" [%s]", a);
	}
	printf("\n");
	return 5;
}

/* ---- vfork ---- */

static volatile int shared_word;

static void part_vfork(void)
{
	int st;
	shared_word = 0;
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		usleep(20000);
		shared_word = 7;
		_exit(0);
	}
	check(shared_word == 7, "vfork: the parent resumes after the child exits and sees its write");
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "vfork: the child is reaped");
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {"execthr", "exit", "6", NULL};
		shared_word = 8;
		execve(self, argv, environ);
		_exit(96);
	}
	check(shared_word == 8, "vfork: the parent resumes after the child execs");
	waitpid(pid, &st, 0);
	printf("vfork: exec'd child: %s\n", status_text(st));
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strncmp(argv[1], "show", 4) == 0 || strstr(argv[1], "/tmp/execthr-")))
		return show(argc, argv);
	if (argc > 3 && strcmp(argv[1], "after") == 0)
		return after(argv);
	if (argc > 2 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	find_self();
	int all = argc > 1 && strcmp(argv[1], "all") == 0;
	part_thread();
	if (all)
		part_execveat();
	part_script();
	if (all)
		part_vfork();
	printf("execthr: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
