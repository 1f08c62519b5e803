/*
 * sysprobe — checks, one line each, that system calls behave as Linux's do,
 * including their error paths. Every call goes through syscall(), so both
 * builds make exactly the same calls.
 *
 * Usage: sysprobe
 * Output: "NAME: ok" or "NAME: FAIL (detail)" for each check, then
 * "failures=N". Status: N (0 when everything passed).
 *
 * The checks: getpid > 0; write from NULL and from a kernel address give
 * EFAULT; an unknown system call number gives ENOSYS; brk grows, the new
 * memory is zero and writable, and shrinks back; munmap of the middle page of
 * three leaves the others, and MAP_FIXED refills the hole with zeros;
 * mremap grows (MREMAP_MAYMOVE) keeping the contents with zeros after them,
 * then shrinks; mprotect(PROT_READ) keeps the data readable; MADV_DONTNEED
 * zeroes a private anonymous page; mmap of a file with fd -1 gives EBADF;
 * munmap of an unaligned address gives EINVAL; CLOCK_MONOTONIC does not go
 * backwards; getrandom fills 16 bytes; uname says Linux/riscv64;
 * readlinkat(/proc/self/exe) gives a path; fstat(1) succeeds; openat of a
 * missing file gives ENOENT.
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

#define PAGE 4096L
#define KERNEL_ADDR 0xffffaf8000000000UL  /* mmlab's direct map (Sv48) */

static int failures;

static void report(const char *name, int ok, const char *detail, long value)
{
	if (ok) {
		printf("%s: ok\n", name);
	} else {
		printf("%s: FAIL (%s: %ld)\n", name, detail, value);
		failures++;
	}
}

/* Expect a call to fail with errno `want`. */
static void expect_errno(const char *name, long r, int want)
{
	if (r == -1 && errno == want)
		report(name, 1, "", 0);
	else
		report(name, 0, r == -1 ? "errno" : "result", r == -1 ? errno : r);
}

static char *map(long len)
{
	long r = syscall(SYS_mmap, 0L, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
	return r == -1 ? NULL : (char *)r;
}

static void probe_brk(void)
{
	long cur = syscall(SYS_brk, 0L);
	long grown = syscall(SYS_brk, cur + 16 * PAGE);
	if (grown != cur + 16 * PAGE) {
		report("brk", 0, "grow returned", grown - cur);
		return;
	}
	int zero = 1;
	for (long off = 0; off < 16 * PAGE; off += 512)
		zero &= ((volatile char *)cur)[off] == 0;
	for (long off = 0; off < 16 * PAGE; off += PAGE)
		((volatile char *)cur)[off] = 'b';
	long back = syscall(SYS_brk, cur);
	if (!zero)
		report("brk", 0, "new memory not zero", 0);
	else
		report("brk", back == cur, "shrink returned", back - cur);
}

static void probe_munmap_hole(void)
{
	char *p = map(3 * PAGE);
	if (!p) {
		report("munmap_hole", 0, "mmap errno", errno);
		return;
	}
	p[0] = 'a', p[PAGE] = 'b', p[2 * PAGE] = 'c';
	long r = syscall(SYS_munmap, p + PAGE, PAGE);
	if (r != 0 || p[0] != 'a' || p[2 * PAGE] != 'c') {
		report("munmap_hole", 0, "munmap returned", r);
		return;
	}
	long q = syscall(SYS_mmap, p + PAGE, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0L);
	int ok = q == (long)(p + PAGE) && p[PAGE] == 0 && p[0] == 'a' && p[2 * PAGE] == 'c';
	report("munmap_hole", ok, "refill returned", q);
	syscall(SYS_munmap, p, 3 * PAGE);
}

static void probe_mremap(void)
{
	char *p = map(PAGE);
	if (!p) {
		report("mremap", 0, "mmap errno", errno);
		return;
	}
	for (int i = 0; i < PAGE; i++)
		p[i] = (char)i;
	long r = syscall(SYS_mremap, p, PAGE, 4 * PAGE, MREMAP_MAYMOVE, 0L);
	if (r == -1) {
		report("mremap", 0, "grow errno", errno);
		return;
	}
	char *q = (char *)r;
	int ok = 1;
	for (int i = 0; i < PAGE; i++)
		ok &= q[i] == (char)i;
	for (long i = PAGE; i < 4 * PAGE; i += 256)
		ok &= q[i] == 0;
	q[4 * PAGE - 1] = 1;
	long s = syscall(SYS_mremap, q, 4 * PAGE, PAGE, 0L, 0L);
	ok &= s == (long)q && q[PAGE - 1] == (char)(PAGE - 1);
	report("mremap", ok, "shrink returned", s);
	syscall(SYS_munmap, q, PAGE);
}

static void probe_mprotect(void)
{
	char *p = map(PAGE);
	if (!p) {
		report("mprotect", 0, "mmap errno", errno);
		return;
	}
	p[100] = 'x';
	long r = syscall(SYS_mprotect, p, PAGE, PROT_READ);
	int ok = r == 0 && ((volatile char *)p)[100] == 'x';
	long w = syscall(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE);
	if (ok && w == 0)
		p[100] = 'y';
	report("mprotect", ok && w == 0 && p[100] == 'y', "returned", r ? r : w);
	syscall(SYS_munmap, p, PAGE);
}

static void probe_dontneed(void)
{
	char *p = map(2 * PAGE);
	if (!p) {
		report("madvise_dontneed", 0, "mmap errno", errno);
		return;
	}
	p[0] = 1, p[PAGE + 7] = 2;
	long r = syscall(SYS_madvise, p, 2 * PAGE, MADV_DONTNEED);
	report("madvise_dontneed", r == 0 && ((volatile char *)p)[0] == 0 && ((volatile char *)p)[PAGE + 7] == 0,
	       "returned", r);
	syscall(SYS_munmap, p, 2 * PAGE);
}

static void probe_clock(void)
{
	struct { long sec, nsec; } a, b;
	long r1 = syscall(SYS_clock_gettime, 1L /* CLOCK_MONOTONIC */, &a);
	long r2 = syscall(SYS_clock_gettime, 1L, &b);
	int ok = r1 == 0 && r2 == 0 && a.nsec >= 0 && a.nsec < 1000000000L &&
		 (b.sec > a.sec || (b.sec == a.sec && b.nsec >= a.nsec));
	report("clock_monotonic", ok, "returned", r1 ? r1 : r2);
}

static void probe_uname(void)
{
	char u[6][65];
	memset(u, 0, sizeof u);
	long r = syscall(SYS_uname, u);
	int ok = r == 0 && strcmp(u[0], "Linux") == 0 && strcmp(u[4], "riscv64") == 0;
	report("uname", ok, "returned", r);
}

int main(void)
{
	long r = syscall(SYS_getpid);
	report("getpid", r > 0, "returned", r);

	expect_errno("write_null_efault", syscall(SYS_write, 1L, 0L, 5L), EFAULT);
	expect_errno("write_kernel_efault", syscall(SYS_write, 1L, KERNEL_ADDR, 5L), EFAULT);
	expect_errno("unknown_enosys", syscall(4000L), ENOSYS);

	probe_brk();
	probe_munmap_hole();
	probe_mremap();
	probe_mprotect();
	probe_dontneed();

	expect_errno("mmap_badf", syscall(SYS_mmap, 0L, PAGE, PROT_READ, MAP_PRIVATE, -1L, 0L), EBADF);
	char *p = map(PAGE);
	expect_errno("munmap_unaligned_einval", syscall(SYS_munmap, p + 1, PAGE), EINVAL);
	syscall(SYS_munmap, p, PAGE);

	probe_clock();

	unsigned char rnd[16];
	r = syscall(SYS_getrandom, rnd, 16L, 0L);
	report("getrandom", r == 16, "returned", r);

	probe_uname();

	char path[256];
	r = syscall(SYS_readlinkat, (long)AT_FDCWD, "/proc/self/exe", path, (long)sizeof path);
	report("readlink_self_exe", r > 0 && path[0] == '/', "returned", r);

	char st[128]; /* struct stat is 128 bytes on riscv64 */
	r = syscall(SYS_fstat, 1L, st);
	report("fstat_stdout", r == 0, "returned", r);

	expect_errno("openat_enoent",
		     syscall(SYS_openat, (long)AT_FDCWD, "/nonexistent/mmlab-sysprobe", (long)O_RDONLY), ENOENT);

	printf("failures=%d\n", failures);
	return failures;
}
