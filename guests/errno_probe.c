/*
 * errno_probe — feeds bad arguments to the system calls mmlab's kernel
 * implements (or will), by raw syscall(), and prints what comes back, one
 * line per attempt:
 *
 *     CALL  CASE  -> RESULT
 *
 * RESULT is "-1 ENAME" for a failure, the number returned for a success, or
 * "addr" / "fd" for a success whose value (an address, a new descriptor
 * number) may differ between kernels. The cases are those the calls' man
 * pages list: bad descriptors, unknown flag bits, misaligned addresses, bad
 * pointers ((void *)1, NULL, a kernel address), zero, negative and huge
 * lengths, invalid clock ids, bad signal numbers, a few successes for
 * contrast.
 *
 * Usage: errno_probe [TMPDIR]   (default /tmp: two scratch files and a pipe,
 * removed at the end)
 *
 * The output is the reference for mmlab's system-call argument checks
 * (issue 13). It was recorded under qemu-riscv64, which forwards most calls
 * to the host kernel but emulates memory mappings, brk and signals itself;
 * guests/README.md lists where its answers differ from Linux's. The source
 * is portable C: built natively (cc -O2 -o /tmp/probe errno_probe.c) it
 * prints the host kernel's own answers.
 * Status 0 (the output is the result).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

#define PAGE 4096UL
#define BAD ((long)1)                      /* an unmapped, misaligned user pointer */
#define KADDR ((long)0xffffaf8000000000UL) /* a kernel address (mmlab's direct map) */
#define FAR ((long)0x10000000000UL)        /* 1 TiB: nothing is mapped there */

enum kind { NUM, ADDR, FD };

static void show(const char *call, const char *what, long r, enum kind kind)
{
	char res[32];
	if (r == -1)
		snprintf(res, sizeof res, "-1 %s", errno_name(errno));
	else if (kind == ADDR)
		snprintf(res, sizeof res, "addr");
	else if (kind == FD)
		snprintf(res, sizeof res, "fd");
	else
		snprintf(res, sizeof res, "%ld", r);
	printf("%-16s %-44s -> %s\n", call, what, res);
}

#define S(...) syscall(__VA_ARGS__)
#define T(call, what, expr) show(call, what, (long)(expr), NUM)
#define TA(call, what, expr) show(call, what, (long)(expr), ADDR)
#define TF(call, what, expr) show(call, what, (long)(expr), FD)

static int rd, wr;     /* a pipe holding one byte */
static int file;       /* a regular file of 100 bytes, O_RDWR */
static int rofile;     /* the same file, O_RDONLY */
static int dir;        /* the scratch directory, O_RDONLY|O_DIRECTORY */
static char path[128]; /* the regular file's path */
static char xpath[128];/* an executable file holding garbage */
static char npath[128];/* a file without execute permission */
static char *map;      /* 4 mapped pages, then one unmapped */

static void setup(const char *tmp)
{
	int p[2];
	pipe(p);
	rd = p[0];
	wr = p[1];
	write(wr, "x", 1);
	snprintf(path, sizeof path, "%s/errno_probe.%d.file", tmp, (int)getpid());
	snprintf(xpath, sizeof xpath, "%s/errno_probe.%d.garbage", tmp, (int)getpid());
	snprintf(npath, sizeof npath, "%s/errno_probe.%d.noexec", tmp, (int)getpid());
	file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[100];
	memset(buf, 'f', sizeof buf);
	write(file, buf, sizeof buf);
	rofile = open(path, O_RDONLY);
	int x = open(xpath, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	write(x, "\001\002 not a program\n", 18);
	close(x);
	x = open(npath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(x, "#!/bin/sh\n", 10);
	close(x);
	dir = open(tmp, O_RDONLY | O_DIRECTORY);
	map = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(map + 4 * PAGE, PAGE);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigaction(SIGPIPE, &ign, NULL);  /* a write to a closed pipe: EPIPE, not death */
}

static void probe_rw(void)
{
	char buf[16];
	T("read", "bad fd -1", S(SYS_read, -1, buf, 1));
	T("read", "bad fd 999", S(SYS_read, 999, buf, 1));
	T("read", "count 0", S(SYS_read, rd, buf, 0));
	T("read", "NULL buffer", S(SYS_read, rd, 0, 1));
	T("read", "kernel buffer", S(SYS_read, rd, KADDR, 1));
	T("read", "write end of a pipe", S(SYS_read, wr, buf, 1));
	T("read", "a directory", S(SYS_read, dir, buf, 1));
	T("read", "pipe, 1 byte", S(SYS_read, rd, buf, 16));
	T("write", "bad fd -1", S(SYS_write, -1, "x", 1));
	T("write", "count 0", S(SYS_write, wr, "x", 0));
	T("write", "NULL buffer", S(SYS_write, wr, 0, 1));
	T("write", "pointer (void *)1", S(SYS_write, wr, BAD, 1));
	T("write", "kernel buffer", S(SYS_write, wr, KADDR, 1));
	T("write", "read end of a pipe", S(SYS_write, rd, "x", 1));
	T("write", "O_RDONLY file", S(SYS_write, rofile, "x", 1));
	T("lseek", "bad fd -1", S(SYS_lseek, -1, 0, SEEK_SET));
	T("lseek", "a pipe", S(SYS_lseek, rd, 0, SEEK_SET));
	T("lseek", "whence 7", S(SYS_lseek, file, 0, 7));
	T("lseek", "offset -1 SEEK_SET", S(SYS_lseek, file, (long)-1, SEEK_SET));
	T("lseek", "offset 5 SEEK_SET", S(SYS_lseek, file, 5, SEEK_SET));
	T("lseek", "offset 1 TiB SEEK_SET", S(SYS_lseek, file, 1L << 40, SEEK_SET));
	T("lseek", "offset -200 SEEK_END", S(SYS_lseek, file, (long)-200, SEEK_END));
	T("pwrite64", "buffer running into unmapped page", S(SYS_pwrite64, file, map + 3 * PAGE, 2 * PAGE, 100));
	T("pwrite64", "offset -1", S(SYS_pwrite64, file, "x", 1, (long)-1));
	T("pread64", "a pipe", S(SYS_pread64, rd, map, 1, 0));
}

static void probe_open_close(void)
{
	static char longname[300], longpath[5000];
	memset(longname, 'n', sizeof longname - 1);
	memset(longpath, 'p', sizeof longpath - 1);
	char sub[160];
	snprintf(sub, sizeof sub, "%s/x", path);
	T("openat", "NULL path", S(SYS_openat, AT_FDCWD, 0, O_RDONLY));
	T("openat", "pointer (void *)1", S(SYS_openat, AT_FDCWD, BAD, O_RDONLY));
	T("openat", "empty path", S(SYS_openat, AT_FDCWD, "", O_RDONLY));
	T("openat", "missing file", S(SYS_openat, AT_FDCWD, "/no-such-dir/x", O_RDONLY));
	T("openat", "relative path, dirfd -1", S(SYS_openat, -1, "x", O_RDONLY));
	T("openat", "relative path, dirfd a file", S(SYS_openat, file, "x", O_RDONLY));
	T("openat", "file used as a directory", S(SYS_openat, AT_FDCWD, sub, O_RDONLY));
	T("openat", "O_DIRECTORY on a file", S(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY));
	T("openat", "O_CREAT|O_EXCL on an existing file", S(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL, 0644));
	T("openat", "O_WRONLY on a directory", S(SYS_openat, AT_FDCWD, "/", O_WRONLY));
	T("openat", "name component of 299 bytes", S(SYS_openat, AT_FDCWD, longname, O_RDONLY));
	T("openat", "path of 4999 bytes", S(SYS_openat, AT_FDCWD, longpath, O_RDONLY));
	T("openat", "O_TMPFILE without write access", S(SYS_openat, AT_FDCWD, "/tmp", 020200000 | O_RDONLY, 0600));
	int fd = (int)S(SYS_openat, AT_FDCWD, path, O_RDONLY | 0x40000000);
	TF("openat", "unknown flag bit 0x40000000", fd);
	T("close", "that fd", S(SYS_close, fd));
	T("close", "it again", S(SYS_close, fd));
	T("close", "bad fd -1", S(SYS_close, -1));
	T("close", "bad fd 999", S(SYS_close, 999));
}

/* Close a new descriptor at once: only whether it was made is printed. */
static long fd_keep(long fd)
{
	if (fd >= 0)
		S(SYS_close, fd);
	return fd;
}

static void probe_fds(void)
{
	int p[2];
	T("pipe2", "NULL", S(SYS_pipe2, 0, 0));
	T("pipe2", "pointer (void *)1", S(SYS_pipe2, BAD, 0));
	T("pipe2", "unknown flag O_WRONLY", S(SYS_pipe2, p, O_WRONLY));
	T("pipe2", "O_CLOEXEC|O_NONBLOCK", S(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK));
	char c;
	T("read", "empty O_NONBLOCK pipe", S(SYS_read, p[0], &c, 1));
	S(SYS_close, p[0]);
	T("write", "pipe without a reader", S(SYS_write, p[1], "x", 1));
	S(SYS_close, p[1]);
	T("dup", "bad fd -1", S(SYS_dup, -1));
	TF("dup", "a file", fd_keep(S(SYS_dup, file)));
	T("dup3", "oldfd == newfd", S(SYS_dup3, file, file, 0));
	T("dup3", "flag O_NONBLOCK", S(SYS_dup3, file, 50, O_NONBLOCK));
	T("dup3", "bad oldfd -1", S(SYS_dup3, -1, 50, 0));
	T("dup3", "newfd 1<<20", S(SYS_dup3, file, 1 << 20, 0));
	T("dup3", "newfd -1", S(SYS_dup3, file, (long)-1, 0));
	T("dup3", "to fd 50, O_CLOEXEC", S(SYS_dup3, file, 50, O_CLOEXEC));
	T("fcntl", "F_GETFD of fd 50", S(SYS_fcntl, 50, F_GETFD));
	T("fcntl", "F_SETFD 0 on fd 50", S(SYS_fcntl, 50, F_SETFD, 0));
	T("fcntl", "F_GETFD of fd 50", S(SYS_fcntl, 50, F_GETFD));
	S(SYS_close, 50);
	T("fcntl", "bad fd -1", S(SYS_fcntl, -1, F_GETFD));
	T("fcntl", "unknown command 9999", S(SYS_fcntl, file, 9999, 0));
	T("fcntl", "F_DUPFD -1", S(SYS_fcntl, file, F_DUPFD, (long)-1));
	T("fcntl", "F_DUPFD 1<<20", S(SYS_fcntl, file, F_DUPFD, 1 << 20));
	T("fcntl", "F_DUPFD 60", S(SYS_fcntl, file, F_DUPFD, 60));
	S(SYS_close, 60);
	T("fcntl", "F_GETFL of an O_RDWR file", S(SYS_fcntl, file, F_GETFL) & 3);
	T("fcntl", "F_SETFL O_NONBLOCK on a pipe", S(SYS_fcntl, rd, F_SETFL, O_NONBLOCK));
	T("fcntl", "F_GETFL & O_NONBLOCK", S(SYS_fcntl, rd, F_GETFL) & O_NONBLOCK ? 1 : 0);
	T("ioctl", "TCGETS on a pipe", S(SYS_ioctl, rd, 0x5401, p));
	T("ioctl", "bad fd -1", S(SYS_ioctl, -1, 0x5401, p));
}

static void probe_mmap(void)
{
	int A = MAP_PRIVATE | MAP_ANONYMOUS;
	T("mmap", "length 0", S(SYS_mmap, 0, 0, PROT_READ, A, -1, 0));
	T("mmap", "neither MAP_PRIVATE nor MAP_SHARED", S(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0));
	T("mmap", "MAP_FIXED at a misaligned address", S(SYS_mmap, FAR + 1, PAGE, PROT_READ, A | MAP_FIXED, -1, 0));
	T("mmap", "length 1<<62", S(SYS_mmap, 0, 1UL << 62, PROT_READ, A, -1, 0));
	T("mmap", "length -4096", S(SYS_mmap, 0, -PAGE, PROT_READ, A, -1, 0));
	T("mmap", "file offset 123", S(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, file, 123));
	T("mmap", "file, bad fd -1", S(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0));
	T("mmap", "file, a pipe", S(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, rd, 0));
	T("mmap", "MAP_SHARED PROT_WRITE of O_RDONLY fd", S(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rofile, 0));
	TA("mmap", "MAP_SHARED_VALIDATE, unknown flag 0x800000", S(SYS_mmap, 0, PAGE, PROT_READ, 0x3 | 0x800000, file, 0));
	TA("mmap", "MAP_FIXED at 0x1000 (< mmap_min_addr)", S(SYS_mmap, 0x1000, PAGE, PROT_READ, A | MAP_FIXED, -1, 0));
	TA("mmap", "MAP_FIXED_NOREPLACE over a mapping", S(SYS_mmap, map, PAGE, PROT_READ, A | MAP_FIXED_NOREPLACE, -1, 0));
	TA("mmap", "unknown prot bit 0x100", S(SYS_mmap, 0, PAGE, PROT_READ | 0x100, A, -1, 0));
	TA("mmap", "hint (void *)1, no MAP_FIXED", S(SYS_mmap, BAD, PAGE, PROT_READ, A, -1, 0));
	T("mmap", "anonymous MAP_SHARED_VALIDATE", S(SYS_mmap, 0, PAGE, PROT_READ, 0x3 | MAP_ANONYMOUS, -1, 0));
	TA("mmap", "anonymous MAP_SHARED", S(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	TA("mmap", "file past its end", S(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, file, 16 * PAGE));

	T("munmap", "misaligned address", S(SYS_munmap, map + 1, PAGE));
	T("munmap", "length 0", S(SYS_munmap, map, 0));
	T("munmap", "range wrapping past 2^64", S(SYS_munmap, -2 * (long)PAGE, 4 * PAGE));
	T("munmap", "kernel address", S(SYS_munmap, KADDR, PAGE));
	T("munmap", "unmapped range at 1 TiB", S(SYS_munmap, FAR, 16 * PAGE));

	char *m = map;
	T("mremap", "misaligned old address", S(SYS_mremap, m + 1, PAGE, PAGE, 0, 0));
	T("mremap", "unknown flag 0x80", S(SYS_mremap, m, PAGE, PAGE, 0x80, 0));
	T("mremap", "new length 0", S(SYS_mremap, m, PAGE, 0, 0, 0));
	T("mremap", "MREMAP_FIXED without MAYMOVE", S(SYS_mremap, m, PAGE, PAGE, MREMAP_FIXED, FAR));
	T("mremap", "MREMAP_DONTUNMAP without MAYMOVE", S(SYS_mremap, m, PAGE, PAGE, 4, 0));
	T("mremap", "old range not mapped", S(SYS_mremap, FAR, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0));
	T("mremap", "grow in place, next page taken", S(SYS_mremap, m, PAGE, 2 * PAGE, 0, 0));
	T("mremap", "old length 0, private mapping", S(SYS_mremap, m, 0, PAGE, MREMAP_MAYMOVE, 0));
	T("mremap", "MREMAP_FIXED onto the old range", S(SYS_mremap, m, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, m));
	TA("mremap", "shrink 2 pages to 1", S(SYS_mremap, m + 2 * PAGE, 2 * PAGE, PAGE, 0, 0));

	T("mprotect", "misaligned address", S(SYS_mprotect, m + 1, PAGE, PROT_READ));
	T("mprotect", "unknown prot bit 0x100", S(SYS_mprotect, m, PAGE, PROT_READ | 0x100));
	T("mprotect", "PROT_GROWSDOWN|PROT_GROWSUP", S(SYS_mprotect, m, PAGE, PROT_READ | 0x01000000 | 0x02000000));
	T("mprotect", "length 0", S(SYS_mprotect, m, 0, PROT_READ));
	T("mprotect", "PROT_GROWSDOWN, not a stack", S(SYS_mprotect, m, PAGE, PROT_READ | 0x01000000));
	T("mprotect", "unknown prot bit, length 0", S(SYS_mprotect, m, 0, PROT_READ | 0x100));
	T("mprotect", "range with an unmapped page", S(SYS_mprotect, m, 5 * PAGE, PROT_READ | PROT_WRITE));
	T("mprotect", "unmapped range at 1 TiB", S(SYS_mprotect, FAR, PAGE, PROT_READ));
	T("mprotect", "kernel address", S(SYS_mprotect, KADDR, PAGE, PROT_READ));
	T("mprotect", "mapped page, PROT_READ", S(SYS_mprotect, m, PAGE, PROT_READ));

	T("madvise", "misaligned address", S(SYS_madvise, m + 1, PAGE, MADV_DONTNEED));
	T("madvise", "unknown advice 999", S(SYS_madvise, m, PAGE, 999));
	T("madvise", "unknown advice 5", S(SYS_madvise, m, PAGE, 5));
	T("madvise", "length ~0", S(SYS_madvise, m, ~0UL, MADV_DONTNEED));
	T("madvise", "length 0", S(SYS_madvise, m, 0, MADV_DONTNEED));
	T("madvise", "range with an unmapped page", S(SYS_madvise, m, 5 * PAGE, MADV_DONTNEED));
	T("madvise", "unmapped range at 1 TiB", S(SYS_madvise, FAR, PAGE, MADV_DONTNEED));
	T("madvise", "MADV_DONTNEED on a mapped page", S(SYS_madvise, m + PAGE, PAGE, MADV_DONTNEED));
	T("madvise", "MADV_REMOVE on private anonymous", S(SYS_madvise, m + PAGE, PAGE, 9));
	T("madvise", "MADV_FREE on a mapped page", S(SYS_madvise, m + PAGE, PAGE, MADV_FREE));

	long cur = S(SYS_brk, 0);
	TA("brk", "brk(0)", cur);
	T("brk", "brk(1) returns the break unchanged", S(SYS_brk, 1) == cur);
	T("brk", "brk(kernel address) unchanged", S(SYS_brk, KADDR) == cur);
}

static void probe_time(void)
{
	struct {
		long s, ns;
	} ts, zero = {0, 0}, bad_ns = {0, 1000000000}, neg_ns = {0, -1}, neg_s = {-1, 0}, tiny = {0, 1};
	T("clock_gettime", "clock 99", S(SYS_clock_gettime, 99, &ts));
	T("clock_gettime", "clock -1", S(SYS_clock_gettime, -1, &ts));
	T("clock_gettime", "CLOCK_REALTIME, NULL", S(SYS_clock_gettime, 0, 0));
	T("clock_gettime", "CLOCK_MONOTONIC, (void *)1", S(SYS_clock_gettime, 1, BAD));
	static const char *const clocks[] = {"REALTIME", "MONOTONIC", "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID",
					     "MONOTONIC_RAW", "REALTIME_COARSE", "MONOTONIC_COARSE", "BOOTTIME",
					     NULL, NULL, "clock 10 (was SGI_CYCLE)", "TAI", "clock 12"};
	for (int c = 0; c < 13; c++) {
		if (!clocks[c])
			continue;
		char what[48];
		snprintf(what, sizeof what, "CLOCK_%s", clocks[c]);
		T("clock_gettime", c >= 10 && c != 11 ? clocks[c] : what, S(SYS_clock_gettime, c, &ts));
	}
	T("clock_getres", "clock 99", S(SYS_clock_getres, 99, &ts));
	T("clock_getres", "CLOCK_MONOTONIC, NULL", S(SYS_clock_getres, 1, 0));
	T("clock_getres", "CLOCK_MONOTONIC, (void *)1", S(SYS_clock_getres, 1, BAD));
	T("clock_nanosleep", "clock 99", S(SYS_clock_nanosleep, 99, 0, &tiny, 0));
	T("clock_nanosleep", "CLOCK_THREAD_CPUTIME_ID", S(SYS_clock_nanosleep, 3, 0, &tiny, 0));
	T("clock_nanosleep", "tv_nsec 1000000000", S(SYS_clock_nanosleep, 1, 0, &bad_ns, 0));
	T("clock_nanosleep", "tv_nsec -1", S(SYS_clock_nanosleep, 1, 0, &neg_ns, 0));
	T("clock_nanosleep", "tv_sec -1", S(SYS_clock_nanosleep, 1, 0, &neg_s, 0));
	T("clock_nanosleep", "NULL request", S(SYS_clock_nanosleep, 1, 0, 0, 0));
	T("clock_nanosleep", "0 ns, relative", S(SYS_clock_nanosleep, 1, 0, &zero, 0));
	T("clock_nanosleep", "TIMER_ABSTIME in the past", S(SYS_clock_nanosleep, 1, 1, &tiny, 0));
	T("nanosleep", "NULL request", S(SYS_nanosleep, 0, 0));
	T("nanosleep", "tv_nsec 1000000000", S(SYS_nanosleep, &bad_ns, 0));
	T("nanosleep", "tv_nsec -1", S(SYS_nanosleep, &neg_ns, 0));
	T("nanosleep", "tv_sec -1", S(SYS_nanosleep, &neg_s, 0));
	T("nanosleep", "1 ns", S(SYS_nanosleep, &tiny, 0));
	char buf[16];
	T("getrandom", "unknown flag 0x100", S(SYS_getrandom, buf, 8, 0x100));
	T("getrandom", "GRND_RANDOM|GRND_INSECURE", S(SYS_getrandom, buf, 8, 0x6));
	T("getrandom", "NULL buffer", S(SYS_getrandom, 0, 8, 0));
	T("getrandom", "kernel buffer", S(SYS_getrandom, KADDR, 8, 0));
	T("getrandom", "length 0", S(SYS_getrandom, buf, 0, 0));
	T("getrandom", "16 bytes, GRND_NONBLOCK", S(SYS_getrandom, buf, 16, 1));
	T("getrandom", "flags 1<<32 (an unsigned int)", S(SYS_getrandom, buf, 8, 1UL << 32));
}

static void probe_futex(void)
{
	static int word __attribute__((aligned(8))) = 5;
	struct {
		long s, ns;
	} zero = {0, 0}, bad_ns = {0, 2000000000};
	char *misaligned = (char *)&word + 1;
	T("futex", "unknown op 99", S(SYS_futex, &word, 99, 5, 0, 0, 0));
	T("futex", "WAIT, value differs", S(SYS_futex, &word, 0, 6, 0, 0, 0));
	T("futex", "WAIT, timeout 0", S(SYS_futex, &word, 0, 5, &zero, 0, 0));
	T("futex", "WAIT, tv_nsec 2000000000", S(SYS_futex, &word, 0, 5, &bad_ns, 0, 0));
	T("futex", "WAIT, misaligned word", S(SYS_futex, misaligned, 0, 5, &zero, 0, 0));
	T("futex", "WAIT, NULL word", S(SYS_futex, 0, 0, 5, &zero, 0, 0));
	T("futex", "WAIT_PRIVATE, kernel address", S(SYS_futex, KADDR, 128, 5, &zero, 0, 0));
	T("futex", "WAKE, nobody waits", S(SYS_futex, &word, 1, 1, 0, 0, 0));
	T("futex", "WAKE_PRIVATE, nobody waits", S(SYS_futex, &word, 129, 1, 0, 0, 0));
	T("futex", "WAIT_BITSET, bitset 0", S(SYS_futex, &word, 9, 5, &zero, 0, 0));
	T("futex", "WAKE_BITSET, bitset 0", S(SYS_futex, &word, 10, 1, 0, 0, 0));
	T("futex", "CMP_REQUEUE, value differs", S(SYS_futex, &word, 4, 1, 1, &word + 1, 6));
}

static void probe_signals(void)
{
	struct {
		long handler, flags, mask;
	} act = {(long)SIG_IGN, 0, 0}, old;
	unsigned long set = 0, oldset;
	T("rt_sigaction", "signal 0", S(SYS_rt_sigaction, 0, &act, 0, 8));
	T("rt_sigaction", "signal 65", S(SYS_rt_sigaction, 65, &act, 0, 8));
	T("rt_sigaction", "SIGKILL, set", S(SYS_rt_sigaction, SIGKILL, &act, 0, 8));
	T("rt_sigaction", "SIGSTOP, set", S(SYS_rt_sigaction, SIGSTOP, &act, 0, 8));
	T("rt_sigaction", "SIGKILL, query only", S(SYS_rt_sigaction, SIGKILL, 0, &old, 8));
	T("rt_sigaction", "sigsetsize 4", S(SYS_rt_sigaction, SIGUSR1, &act, 0, 4));
	T("rt_sigaction", "act (void *)1", S(SYS_rt_sigaction, SIGUSR1, BAD, 0, 8));
	T("rt_sigaction", "oldact (void *)1", S(SYS_rt_sigaction, SIGUSR1, 0, BAD, 8));
	T("rt_sigaction", "SIGUSR1, SIG_IGN", S(SYS_rt_sigaction, SIGUSR1, &act, &old, 8));
	T("rt_sigprocmask", "how 3", S(SYS_rt_sigprocmask, 3, &set, 0, 8));
	T("rt_sigprocmask", "sigsetsize 4", S(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4));
	T("rt_sigprocmask", "set (void *)1", S(SYS_rt_sigprocmask, SIG_BLOCK, BAD, 0, 8));
	T("rt_sigprocmask", "oldset (void *)1", S(SYS_rt_sigprocmask, SIG_BLOCK, 0, BAD, 8));
	T("rt_sigprocmask", "how 3, NULL set", S(SYS_rt_sigprocmask, 3, 0, &oldset, 8));
	set = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)) | (1UL << (SIGUSR2 - 1));
	S(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
	S(SYS_rt_sigprocmask, SIG_BLOCK, 0, &oldset, 8);
	T("rt_sigprocmask", "block KILL+STOP+USR2: USR2 only", oldset == 1UL << (SIGUSR2 - 1));
	S(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
	long pid = getpid(), tid = S(SYS_gettid);
	T("kill", "signal 65", S(SYS_kill, pid, 65));
	T("kill", "signal -1", S(SYS_kill, pid, (long)-1));
	T("kill", "no such pid", S(SYS_kill, 0x3ffffff0, 0));
	T("kill", "self, signal 0", S(SYS_kill, pid, 0));
	T("tgkill", "signal 1000", S(SYS_tgkill, pid, tid, 1000));
	T("tgkill", "signal -1", S(SYS_tgkill, pid, tid, (long)-1));
	T("tgkill", "tgid 0", S(SYS_tgkill, 0, tid, 0));
	T("tgkill", "tid 0", S(SYS_tgkill, pid, 0, 0));
	T("tgkill", "tid -1", S(SYS_tgkill, pid, (long)-1, 0));
	T("tgkill", "no such tid", S(SYS_tgkill, pid, 0x3ffffff0, 0));
	T("tgkill", "self, signal 0", S(SYS_tgkill, pid, tid, 0));
	T("tkill", "tid -1", S(SYS_tkill, (long)-1, 0));
}

static void probe_process(void)
{
	int status;
	char *argv[] = {"x", NULL};
	T("wait4", "no children", S(SYS_wait4, (long)-1, &status, 0, 0));
	T("wait4", "unknown option 0x8000", S(SYS_wait4, (long)-1, &status, 0x8000, 0));
	T("wait4", "WNOHANG, no children", S(SYS_wait4, (long)-1, &status, 1, 0));
	T("execve", "NULL path", S(SYS_execve, 0, argv, 0));
	T("execve", "missing file", S(SYS_execve, "/no-such-dir/x", argv, 0));
	T("execve", "a directory", S(SYS_execve, "/", argv, 0));
	T("execve", "file without execute permission", S(SYS_execve, npath, argv, 0));
	T("execve", "executable file of garbage", S(SYS_execve, xpath, argv, 0));
	T("execve", "argv (void *)1", S(SYS_execve, xpath, BAD, 0));
	char buf[256];
	T("getdents64", "bad fd -1", S(SYS_getdents64, -1, buf, sizeof buf));
	T("getdents64", "a regular file", S(SYS_getdents64, file, buf, sizeof buf));
	T("getdents64", "buffer of 1 byte", S(SYS_getdents64, dir, buf, 1));
	T("getdents64", "NULL buffer", S(SYS_getdents64, dir, 0, sizeof buf));
	T("fstat", "bad fd -1", S(SYS_fstat, -1, buf));
	T("fstat", "NULL buffer", S(SYS_fstat, file, 0));
	T("newfstatat", "empty path, no AT_EMPTY_PATH", S(SYS_newfstatat, file, "", buf, 0));
	T("newfstatat", "unknown flag 0x1", S(SYS_newfstatat, AT_FDCWD, path, buf, 0x1));
	T("getcwd", "size 0", S(SYS_getcwd, buf, 0));
	T("getcwd", "size 1", S(SYS_getcwd, buf, 1));
	T("getcwd", "NULL buffer", S(SYS_getcwd, 0, sizeof buf));
	T("uname", "NULL", S(SYS_uname, 0));
	T("prlimit64", "resource 99", S(SYS_prlimit64, 0, 99, 0, buf));
	T("prlimit64", "no such pid", S(SYS_prlimit64, 0x3ffffff0, 0, 0, buf));
	T("prlimit64", "resource 16 (RLIM_NLIMITS)", S(SYS_prlimit64, 0, 16, 0, buf));
	T("prlimit64", "resource 99, no such pid", S(SYS_prlimit64, 0x3ffffff0, 99, 0, buf));
	T("set_robust_list", "length 1", S(SYS_set_robust_list, buf, 1));
	T("unlinkat", "unknown flag 0x1", S(SYS_unlinkat, AT_FDCWD, path, 0x1));
	T("unlinkat", "missing file", S(SYS_unlinkat, AT_FDCWD, "/no-such-dir/x", 0));
	T("unlinkat", "a directory without AT_REMOVEDIR", S(SYS_unlinkat, AT_FDCWD, "/tmp", 0));
	T("mkdirat", "existing directory", S(SYS_mkdirat, AT_FDCWD, "/tmp", 0755));
	T("sched_yield", "", S(SYS_sched_yield));
	T("syscall 500", "unknown number", S(500));
	T("syscall -1", "unknown number", S(-1));
}

int main(int argc, char **argv)
{
	const char *tmp = argc > 1 ? argv[1] : "/tmp";
	setup(tmp);
	probe_rw();
	probe_open_close();
	probe_fds();
	probe_mmap();
	probe_time();
	probe_futex();
	probe_signals();
	probe_process();
	unlink(path);
	unlink(xpath);
	unlink(npath);
	fflush(stdout);
	return 0;
}
