/*
 * hostile — one nasty thing per subcommand, for hardening an emulator or a
 * kernel (issue 11): every one must end in Linux's answer in bounded time
 * and memory, never a crash of the host side.
 *
 * Usage: hostile COMMAND [ARG]
 *   write-huge       write(1, buf, 1<<53)             (EFAULT: past user space)
 *   munmap-huge      munmap(1 TiB, 1 TiB)             (0: nothing mapped there)
 *   munmap-all       munmap(0, 1 TiB): unmaps the program's own code, so the
 *                    next instruction fetch faults    (SIGSEGV, status 139)
 *   madvise-huge     madvise(0, ~0, MADV_DONTNEED)    (EINVAL: length wraps)
 *   mprotect-huge    mprotect(0, 64 TiB, PROT_READ)   (ENOMEM: not all mapped)
 *   touch [SIZE]     mmap SIZE (default 2g) MAP_NORESERVE and write one byte
 *                    per 4 KiB page: more than a small machine has (the OOM
 *                    killer: status 137)
 *   read-huge FILE   read(fd, buf, 1<<62) on FILE     (EFAULT: past user space)
 *                    then read(fd, buf, 4096)         (the first bytes)
 *   getrandom-huge   getrandom(buf, 1<<62, 0)         (see guests/README.md)
 *   syscall-huge     system call number 0x7fffffffffffffff  (ENOSYS)
 *   clock-bad        clock_gettime with clock ids 16, 0x7fffffff, -1 (EINVAL)
 *   tgkill-bad       tgkill(pid, tid, 1000)           (EINVAL)
 *   brk-huge         brk(1<<46)                       (the break, unchanged)
 *   args [ARG...]    prints every argument's bytes in hex: arguments must
 *                    reach the program byte for byte, UTF-8 or not
 *
 * Each command prints "hostile COMMAND: CALL -> RESULT" with the raw value the
 * kernel returned (a negative errno on failure: -14 is EFAULT, -22 EINVAL,
 * -38 ENOSYS), flushed before anything that may kill the process. buf is
 * one mapped page followed by an unmapped one. The source is portable C, so
 * a native build shows the host kernel's answers. Status 0; 2 bad usage;
 * 139 / 137 as said.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define PAGE 4096UL
#define TIB (1UL << 40)

/* The kernel's raw answer: the value, or -errno (syscall() turns a result in
 * [-4095, -1] into -1 and errno; no call here succeeds with such a value). */
static long raw(long n, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(n, a, b, c, d, e, f);
	return r == -1 ? -errno : r;
}

#define R(n, ...) raw_args(n, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define raw_args(n, a, b, c, d, e, f, ...) raw((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static const char *cmd;

static void report(const char *call, long r)
{
	printf("hostile %s: %s -> %ld\n", cmd, call, r);
	fflush(stdout);
}

/* One mapped page of 'x' followed by an unmapped page. */
static char *guarded_page(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p + PAGE, PAGE);
	memset(p, 'x', PAGE);
	return p;
}

static int touch(const char *size_arg)
{
	uint64_t size = 2UL << 30;
	if (size_arg && !parse_u64(size_arg, &size))
		return 2;
	long r = R(SYS_mmap, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r < 0 && r > -4096) {
		report("mmap(SIZE, MAP_NORESERVE)", r);
		return 0;
	}
	printf("hostile touch: mapped %lu MiB, touching\n", (unsigned long)(size >> 20));
	fflush(stdout);
	volatile char *p = (volatile char *)r;
	for (uint64_t off = 0; off < size; off += PAGE)
		p[off] = 1;
	printf("hostile touch: touched %lu MiB\n", (unsigned long)(size >> 20));
	return 0;
}

static int read_huge(const char *file, char *buf)
{
	int fd = open(file, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "hostile: %s: cannot open\n", file);
		return 2;
	}
	report("read(fd, buf, 1<<62)", R(SYS_read, fd, buf, 1UL << 62));
	long n = R(SYS_read, fd, buf, PAGE);
	report("read(fd, buf, 4096)", n);
	if (n > 0) {
		uint64_t h = 0;
		for (long i = 0; i < n; i++)
			h = h * 31 + (unsigned char)buf[i];
		printf("hostile %s: hash of the bytes read %016lx\n", cmd, (unsigned long)h);
	}
	close(fd);
	return 0;
}

static void args(int argc, char **argv)
{
	printf("hostile args: %d arguments\n", argc - 2);
	for (int i = 2; i < argc; i++) {
		printf("arg %d: %zu bytes:", i - 2, strlen(argv[i]));
		for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++)
			printf(" %02x", *p);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	cmd = argc > 1 ? argv[1] : "";
	char *buf = guarded_page();
	if (!buf)
		return 1;
	if (!strcmp(cmd, "write-huge")) {
		report("write(1, buf, 1<<53)", R(SYS_write, 1, buf, 1UL << 53));
	} else if (!strcmp(cmd, "munmap-huge")) {
		report("munmap(1 TiB, 1 TiB)", R(SYS_munmap, TIB, TIB));
	} else if (!strcmp(cmd, "munmap-all")) {
		printf("hostile munmap-all: munmap(0, 1 TiB), then return into unmapped code\n");
		fflush(stdout);
		long r = R(SYS_munmap, 0, TIB);
		report("munmap(0, 1 TiB) returned", r);  /* only if nothing faulted */
	} else if (!strcmp(cmd, "madvise-huge")) {
		report("madvise(0, ~0, MADV_DONTNEED)", R(SYS_madvise, 0, ~0UL, MADV_DONTNEED));
	} else if (!strcmp(cmd, "mprotect-huge")) {
		report("mprotect(0, 64 TiB, PROT_READ)", R(SYS_mprotect, 0, 64 * TIB, PROT_READ));
	} else if (!strcmp(cmd, "touch") && argc <= 3) {
		return touch(argc == 3 ? argv[2] : NULL);
	} else if (!strcmp(cmd, "read-huge") && argc == 3) {
		return read_huge(argv[2], buf);
	} else if (!strcmp(cmd, "getrandom-huge")) {
		report("getrandom(buf, 1<<62, 0)", R(SYS_getrandom, buf, 1UL << 62, 0));
	} else if (!strcmp(cmd, "syscall-huge")) {
		report("syscall 0x7fffffffffffffff", R(0x7fffffffffffffffL, 0, 0, 0, 0, 0, 0));
	} else if (!strcmp(cmd, "clock-bad")) {
		report("clock_gettime(16)", R(SYS_clock_gettime, 16, buf));
		report("clock_gettime(0x7fffffff)", R(SYS_clock_gettime, 0x7fffffff, buf));
		report("clock_gettime(-1)", R(SYS_clock_gettime, -1L, buf));
	} else if (!strcmp(cmd, "tgkill-bad")) {
		long pid = R(SYS_getpid, 0), tid = R(SYS_gettid, 0);
		report("tgkill(pid, tid, 1000)", R(SYS_tgkill, pid, tid, 1000));
	} else if (!strcmp(cmd, "brk-huge")) {
		long cur = R(SYS_brk, 0);
		printf("hostile brk-huge: brk(1<<46) %s\n", R(SYS_brk, 1UL << 46) == cur ? "left the break unchanged"
											: "moved the break");
	} else if (!strcmp(cmd, "args")) {
		args(argc, argv);
	} else {
		fprintf(stderr, "hostile: usage: hostile write-huge|munmap-huge|munmap-all|madvise-huge|"
				"mprotect-huge|touch [SIZE]|read-huge FILE|getrandom-huge|syscall-huge|clock-bad|"
				"tgkill-bad|brk-huge|args [ARG...]\n");
		return 2;
	}
	return 0;
}
