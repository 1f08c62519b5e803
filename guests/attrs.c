/*
 * attrs — the attribute changes tar, cp -p, chmod and touch make (found with
 * toybox's tar, whose extraction failed on ENOSYS from fchownat and utimensat):
 * chmod, fchmod, fchownat, fchown and utimensat on files in a fresh directory
 * under /tmp, and the errors Linux gives for their bad arguments.
 *
 * Usage: attrs [DIR]   (default /tmp; the work happens in DIR/attrs.PID,
 * removed at the end)
 *
 *   chmod     chmod 0600, fchmod 04755 (set-user-ID kept by chmod), the
 *             file type bits of the mode ignored; stat shows each
 *   chown     fchownat to 1000:2000, fchown keeping one side (-1); a chown
 *             clears set-user-ID and (group-executable) set-group-ID
 *   times     utimensat with two fixed times, with UTIME_OMIT for one of
 *             them, on the descriptor (NULL name), AT_SYMLINK_NOFOLLOW on a
 *             link leaves its target alone; UTIME_NOW moves mtime forward
 *   errors    ENOENT, EBADF, EINVAL (flags, tv_nsec, flags with a NULL
 *             name), EFAULT (times), and the both-UTIME_OMIT call that checks
 *             nothing (0 even for a missing file)
 *
 * Output: one line per check; no path appears. Status 0; 1 a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failed;

/* Print a call's result as "name = r" or "name = -1 ERRNAME". */
static void show(const char *what, long r) {
	if (r < 0)
		printf("%s = -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s = %ld\n", what, r);
}

/* Print the mode, owner and group of `name`. */
static void show_stat(const char *name) {
	struct stat st;
	if (lstat(name, &st) != 0) {
		printf("stat %s failed\n", name);
		failed = 1;
		return;
	}
	printf("  %s: mode %06o uid %u gid %u\n", name, st.st_mode, st.st_uid, st.st_gid);
}

/* Print the access and modification times of `name` (lstat). */
static void show_times(const char *name) {
	struct stat st;
	lstat(name, &st);
	printf("  %s: atime %lld.%09ld mtime %lld.%09ld\n", name, (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* chmod, fchmod: the permission bits change, the type does not. */
static void check_chmod(void) {
	show("chmod f 0600", chmod("f", 0600));
	show_stat("f");
	int fd = open("f", O_RDONLY);
	show("fchmod f 04755", fchmod(fd, 04755));
	show_stat("f");
	show("chmod f S_IFDIR|0644", chmod("f", S_IFDIR | 0644));
	show_stat("f");
	show("chmod d 01777", chmod("d", 01777));
	show_stat("d");
	close(fd);
}

/* fchownat, fchown: owner and group, -1 keeps; set-id bits cleared on files. */
static void check_chown(void) {
	show("chmod f 06755", chmod("f", 06755));
	show("fchownat f 1000 2000", fchownat(AT_FDCWD, "f", 1000, 2000, 0));
	show_stat("f");
	int fd = open("f", O_RDONLY);
	show("fchown f -1 3000", fchown(fd, -1, 3000));
	show_stat("f");
	close(fd);
	show("chmod d 06755", chmod("d", 06755));
	show("fchownat d 5 6", fchownat(AT_FDCWD, "d", 5, 6, 0));
	show_stat("d");
	show("fchownat l 7 8 NOFOLLOW", fchownat(AT_FDCWD, "l", 7, 8, AT_SYMLINK_NOFOLLOW));
	show_stat("l");
	show_stat("f");
}

/* utimensat with fixed times, UTIME_OMIT, a NULL name, a link, UTIME_NOW. */
static void check_times(void) {
	struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 5}};
	show("utimensat f fixed", utimensat(AT_FDCWD, "f", ts, 0));
	show_times("f");
	struct timespec omit[2] = {{7, UTIME_OMIT}, {1600000000, 0}};
	show("utimensat f omit atime", utimensat(AT_FDCWD, "f", omit, 0));
	show_times("f");
	int fd = open("f", O_RDONLY);
	struct timespec viafd[2] = {{1700000000, 1}, {7, UTIME_OMIT}};
	show("utimensat fd NULL", syscall(SYS_utimensat, fd, NULL, viafd, 0));
	show_times("f");
	struct timespec link[2] = {{42, 0}, {43, 0}};
	show("utimensat l NOFOLLOW", utimensat(AT_FDCWD, "l", link, AT_SYMLINK_NOFOLLOW));
	show_times("l");
	show_times("f");
	show("utimensat f NULL", utimensat(AT_FDCWD, "f", NULL, 0));
	struct stat st;
	fstat(fd, &st);
	printf("  f: mtime after UTIME_NOW later than 2020: %d\n", st.st_mtim.tv_sec > 1577836800);
	close(fd);
}

/* The errors of bad arguments. */
static void check_errors(void) {
	struct timespec ok[2] = {{1, 0}, {2, 0}};
	struct timespec badns[2] = {{1, 1000000000}, {2, 0}};
	struct timespec omit[2] = {{1, UTIME_OMIT}, {2, UTIME_OMIT}};
	show("chmod missing", chmod("missing", 0644));
	show("fchmod -1", fchmod(-1, 0644));
	show("fchownat bad flags", fchownat(AT_FDCWD, "f", 0, 0, 0x4));
	show("fchownat missing", fchownat(AT_FDCWD, "missing", 0, 0, 0));
	show("fchown 99", fchown(99, 0, 0));
	show("utimensat bad flags", utimensat(AT_FDCWD, "f", ok, 0x4));
	show("utimensat bad tv_nsec", utimensat(AT_FDCWD, "f", badns, 0));
	show("utimensat missing", utimensat(AT_FDCWD, "missing", ok, 0));
	show("utimensat both omit missing", utimensat(AT_FDCWD, "missing", omit, 0));
	show("utimensat bad times", syscall(SYS_utimensat, AT_FDCWD, "f", (void *)8, 0));
	int fd = open("f", O_RDONLY);
	show("utimensat fd NULL flags", syscall(SYS_utimensat, fd, NULL, ok, AT_SYMLINK_NOFOLLOW));
	show("utimensat 99 NULL", syscall(SYS_utimensat, 99, NULL, ok, 0));
	close(fd);
}

int main(int argc, char **argv) {
	char dir[256];
	snprintf(dir, sizeof dir, "%s/attrs.%d", argc > 1 ? argv[1] : "/tmp", (int)getpid());
	umask(022);
	if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
		perror("attrs: mkdir");
		return 1;
	}
	close(open("f", O_CREAT | O_WRONLY, 0644));
	mkdir("d", 0755);
	symlink("f", "l");
	printf("chmod\n");
	check_chmod();
	printf("chown\n");
	check_chown();
	printf("times\n");
	check_times();
	printf("errors\n");
	check_errors();
	unlink("l");
	unlink("f");
	rmdir("d");
	chdir("/");
	if (rmdir(dir) != 0) failed = 1;
	return failed;
}
