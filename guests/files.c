/*
 * files — the file-system calls a real program makes, in a fresh directory
 * under /tmp: create, write, rename, read back, seek, pread/pwrite, append,
 * truncate, mmap (MAP_SHARED and MAP_PRIVATE), list, unlink.
 *
 * Usage: files [DIR]   (default /tmp; the work happens in DIR/files.PID,
 * removed at the end)
 *
 *   create    O_CREAT|O_EXCL a.txt, write 3 lines; a second O_EXCL: EEXIST
 *   rename    a.txt -> b.txt; a.txt is then ENOENT; b.txt reads back equal;
 *             fstat gives its size
 *   seek      lseek SEEK_SET/SEEK_CUR/SEEK_END; pread and pwrite at offsets
 *             leave the file offset alone
 *   append    O_APPEND writes go to the end whatever the offset
 *   truncate  ftruncate shrinks, then grows (the new bytes read as zero)
 *   shared    MAP_SHARED, PROT_READ|PROT_WRITE: a store through the mapping
 *             is seen by read(); msync; a write() is seen in the mapping
 *   private   MAP_PRIVATE: a store through the mapping is not seen by read()
 *             or by a shared mapping; a write() to a page the private
 *             mapping has not copied yet is seen through it
 *   list      getdents64 over the directory (c.txt, d.txt, a subdirectory
 *             e, b.txt), names sorted, with their types
 *   remove    unlink every file, rmdir the directories; rmdir of a non-empty
 *             directory is ENOTEMPTY; the directory is then ENOENT
 *
 * Output: one line per check with what was seen; no path (the directory
 * name holds the pid) appears. Status 0; 1 a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

#define PAGE 4096

static int failures;

static void check(const char *what, int ok, const char *detail)
{
	printf("%-46s %s%s%s\n", what, ok ? "ok" : "FAILED", detail ? ": " : "", detail ? detail : "");
	failures += !ok;
}

static const char *err(void)
{
	return errno_name(errno);
}

/* Read the whole file (at most cap - 1 bytes) into buf, NUL-terminated. */
static long slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	long n = 0;
	for (ssize_t k; (size_t)n < cap - 1 && (k = read(fd, buf + n, cap - 1 - (size_t)n)) > 0;)
		n += k;
	buf[n] = '\0';
	close(fd);
	return n;
}

static const char lines[] = "first line\nsecond line\nthird line\n";

static void create_rename(void)
{
	int fd = open("a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check("create a.txt (O_CREAT|O_EXCL)", fd >= 0, fd < 0 ? err() : NULL);
	ssize_t w = write(fd, lines, sizeof lines - 1);
	check("write 3 lines", w == (ssize_t)sizeof lines - 1, NULL);
	close(fd);
	fd = open("a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check("O_EXCL on an existing file", fd < 0 && errno == EEXIST, fd < 0 ? err() : "opened");

	check("rename a.txt b.txt", rename("a.txt", "b.txt") == 0, NULL);
	fd = open("a.txt", O_RDONLY);
	check("open a.txt after rename", fd < 0 && errno == ENOENT, fd < 0 ? err() : "opened");
	char buf[256];
	long n = slurp("b.txt", buf, sizeof buf);
	check("read back b.txt", n == (long)sizeof lines - 1 && strcmp(buf, lines) == 0, NULL);
	struct stat st;
	fd = open("b.txt", O_RDONLY);
	int ok = fd >= 0 && fstat(fd, &st) == 0;
	char size[32];
	snprintf(size, sizeof size, "size %ld", ok ? (long)st.st_size : -1L);
	check("fstat b.txt", ok && st.st_size == (long)sizeof lines - 1 && S_ISREG(st.st_mode), size);
	close(fd);
}

static void seek_pread(void)
{
	int fd = open("b.txt", O_RDWR);
	char buf[32];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t mid = lseek(fd, 11, SEEK_SET);
	off_t cur = lseek(fd, 7, SEEK_CUR);
	snprintf(buf, sizeof buf, "end %ld set %ld cur %ld", (long)end, (long)mid, (long)cur);
	check("lseek END/SET/CUR", end == 34 && mid == 11 && cur == 18, buf);

	memset(buf, 0, sizeof buf);
	ssize_t r = pread(fd, buf, 5, 23);
	check("pread 5 bytes at 23", r == 5 && memcmp(buf, "third", 5) == 0, buf);
	ssize_t w = pwrite(fd, "THIRD", 5, 23);
	check("pwrite 5 bytes at 23", w == 5, NULL);
	check("offset unchanged by pread/pwrite", lseek(fd, 0, SEEK_CUR) == 18, NULL);
	off_t neg = lseek(fd, -100, SEEK_SET);
	check("lseek to a negative offset", neg < 0 && errno == EINVAL, err());
	close(fd);

	fd = open("b.txt", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	w = write(fd, "fourth line\n", 12);
	close(fd);
	char all[256];
	long n = slurp("b.txt", all, sizeof all);
	check("O_APPEND writes at the end", w == 12 && n == 46 && strstr(all, "THIRD line\nfourth line\n"), NULL);
}

static void truncate_file(void)
{
	int fd = open("b.txt", O_RDWR);
	int a = ftruncate(fd, 10);
	char buf[64];
	long n = slurp("b.txt", buf, sizeof buf);
	check("ftruncate to 10 bytes", a == 0 && n == 10 && memcmp(buf, "first line", 10) == 0, NULL);
	int b = ftruncate(fd, 20);
	n = slurp("b.txt", buf, sizeof buf);
	int zeros = 1;
	for (int i = 10; i < 20; i++)
		zeros &= buf[i] == 0;
	check("ftruncate to 20 bytes: zeros", b == 0 && n == 20 && zeros, NULL);
	close(fd);
}

static void mappings(void)
{
	/* c.txt: two pages, 'a' then 'b'. */
	int fd = open("c.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char page[PAGE];
	memset(page, 'a', PAGE);
	int w1 = write(fd, page, PAGE) == PAGE;
	memset(page, 'b', PAGE);
	int w2 = write(fd, page, PAGE) == PAGE;
	check("write c.txt (2 pages)", w1 && w2, NULL);

	char *shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("mmap MAP_SHARED and MAP_PRIVATE", shared != MAP_FAILED && priv != MAP_FAILED, NULL);
	if (shared == MAP_FAILED || priv == MAP_FAILED)
		return;
	char c = 0;

	shared[5] = 'S';
	pread(fd, &c, 1, 5);
	check("store via MAP_SHARED seen by read()", c == 'S', NULL);
	check("msync MS_SYNC", msync(shared, 2 * PAGE, MS_SYNC) == 0, NULL);
	pwrite(fd, "W", 1, 6);
	check("write() seen via MAP_SHARED", shared[6] == 'W', NULL);

	priv[7] = 'P';  /* copies page 0 for this mapping only */
	pread(fd, &c, 1, 7);
	check("store via MAP_PRIVATE not seen by read()", c == 'a', NULL);
	check("store via MAP_PRIVATE not seen via MAP_SHARED", shared[7] == 'a', NULL);
	check("MAP_PRIVATE sees its own store", priv[7] == 'P', NULL);
	pwrite(fd, "X", 1, 8);
	check("write() to a copied page not seen privately", priv[8] == 'a', NULL);
	pwrite(fd, "Y", 1, PAGE + 9);
	check("write() to an uncopied page seen privately", priv[PAGE + 9] == 'Y', NULL);

	munmap(shared, 2 * PAGE);
	munmap(priv, 2 * PAGE);
	close(fd);
	fd = open("c.txt", O_RDONLY);
	char head[9];
	pread(fd, head, 9, 0);
	check("file after munmap", memcmp(head, "aaaaaSWaX", 9) == 0, NULL);
	close(fd);
}

struct dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_names(char **names, int n)
{
	for (int i = 1; i < n; i++)  /* insertion sort: a handful of names */
		for (int j = i; j > 0 && by_name(&names[j - 1], &names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
}

static void list(void)
{
	int fd = open("d.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	check("mkdir e", mkdir("e", 0755) == 0, NULL);
	fd = open("e/inner.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);

	int dir = open(".", O_RDONLY | O_DIRECTORY);
	static char buf[1024];
	static char store[16][64];
	char *names[16];
	int n = 0;
	for (;;) {
		long got = syscall(SYS_getdents64, dir, buf, sizeof buf);
		if (got <= 0)
			break;
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			if (n < 16) {
				const char *type = d->d_type == 4 ? "dir" : d->d_type == 8 ? "file" : "other";
				snprintf(store[n], sizeof store[n], "%s(%s)", d->d_name, type);
				names[n] = store[n];
				n++;
			}
			off += d->d_reclen;
		}
	}
	close(dir);
	sort_names(names, n);
	char line[256] = "";
	for (int i = 0; i < n; i++) {
		strcat(line, i ? " " : "");
		strcat(line, names[i]);
	}
	check("getdents64, sorted", n == 6, line);
}

static void remove_all(const char *dir)
{
	check("rmdir non-empty e", rmdir("e") < 0 && errno == ENOTEMPTY, err());
	int ok = unlink("e/inner.txt") == 0 && rmdir("e") == 0;
	ok &= unlink("b.txt") == 0 && unlink("c.txt") == 0 && unlink("d.txt") == 0;
	check("unlink files, rmdir e", ok, NULL);
	check("unlink a removed file", unlink("b.txt") < 0 && errno == ENOENT, err());
	check("chdir .. and rmdir the directory", chdir("..") == 0 && rmdir(dir) == 0, NULL);
	struct stat st;
	check("directory gone", stat(dir, &st) < 0 && errno == ENOENT, err());
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	if (argc > 2) {
		fprintf(stderr, "files: usage: files [DIR]\n");
		return 2;
	}
	char dir[64];
	snprintf(dir, sizeof dir, "files.%d", (int)getpid());
	if (chdir(base) != 0 || mkdir(dir, 0700) != 0 || chdir(dir) != 0) {
		printf("cannot make a directory in %s: %s\n", base, err());
		return 1;
	}
	create_rename();
	seek_pread();
	truncate_file();
	mappings();
	list();
	remove_all(dir);
	printf("failures=%d\n", failures);
	return failures ? 1 : 0;
}
