/*
 * rt.c — the mmlab no-libc runtime: system call wrappers, string functions,
 * a small buffered stdio with printf, exit, getauxval and getenv.
 *
 * It is what the guest programs need and no more. Wrappers follow glibc's
 * conventions (return -1 and set errno on failure) so that one program source
 * builds against glibc and against this runtime alike. Allocation lives in
 * malloc.c; the entry point in crt0.S.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "syscall.h"

char **environ;             /* set by crt0.S */
unsigned long *__rt_auxv;   /* set by crt0.S: (type, value) pairs up to AT_NULL */
int errno;

/* A raw kernel result to the libc convention: -1 and errno on failure. */
static long rt_ret(long r)
{
	if (__RT_IS_ERR(r)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* ---- system call wrappers ------------------------------------------------ */

ssize_t read(int fd, void *buf, size_t n)
{
	return rt_ret(__rt_syscall3(__NR_read, fd, (long)buf, (long)n));
}

#ifdef MMLAB_BARE
/* Bare metal (no kernel): stdout and stderr go to the 16550 UART of the
 * QEMU virt layout, byte by byte once the transmit register is empty; the
 * run ends through the test finisher (0x5555 pass, (n << 16) | 0x3333 fail). */
#define UART_THR ((volatile unsigned char *)0x10000000UL)
#define UART_LSR ((volatile unsigned char *)0x10000005UL)
#define UART_LSR_THRE 0x20
#define TEST_FINISHER ((volatile unsigned int *)0x100000UL)

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	const unsigned char *p = buf;
	for (size_t i = 0; i < n; i++) {
		while (!(*UART_LSR & UART_LSR_THRE))
			;
		*UART_THR = p[i];
	}
	return (ssize_t)n;
}
#else
ssize_t write(int fd, const void *buf, size_t n)
{
	return rt_ret(__rt_syscall3(__NR_write, fd, (long)buf, (long)n));
}
#endif

int close(int fd)
{
	return (int)rt_ret(__rt_syscall1(__NR_close, fd));
}

off_t lseek(int fd, off_t off, int whence)
{
	return rt_ret(__rt_syscall3(__NR_lseek, fd, off, whence));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	long mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
	va_end(ap);
	return (int)rt_ret(__rt_syscall4(__NR_openat, dirfd, (long)path, flags, mode));
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	long mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
	va_end(ap);
	return (int)rt_ret(__rt_syscall4(__NR_openat, AT_FDCWD, (long)path, flags, mode));
}

ssize_t readlink(const char *path, char *buf, size_t n)
{
	return rt_ret(__rt_syscall4(__NR_readlinkat, AT_FDCWD, (long)path, (long)buf, (long)n));
}

pid_t getpid(void)
{
	return (pid_t)__rt_syscall0(__NR_getpid);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	/* riscv64 passes the offset in bytes (it must be page-aligned). */
	long r = __rt_syscall6(__NR_mmap, (long)addr, (long)len, prot, flags, fd, off);
	return (void *)rt_ret(r);  /* -1 is MAP_FAILED */
}

int munmap(void *addr, size_t len)
{
	return (int)rt_ret(__rt_syscall2(__NR_munmap, (long)addr, (long)len));
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	long new_addr = 0;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = (long)va_arg(ap, void *);
		va_end(ap);
	}
	long r = __rt_syscall5(__NR_mremap, (long)old, (long)old_len, (long)new_len, flags, new_addr);
	return (void *)rt_ret(r);
}

int mprotect(void *addr, size_t len, int prot)
{
	return (int)rt_ret(__rt_syscall3(__NR_mprotect, (long)addr, (long)len, prot));
}

int madvise(void *addr, size_t len, int advice)
{
	return (int)rt_ret(__rt_syscall3(__NR_madvise, (long)addr, (long)len, advice));
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	return (int)rt_ret(__rt_syscall2(__NR_clock_gettime, clk, (long)ts));
}

long syscall(long number, ...)
{
	va_list ap;
	va_start(ap, number);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	return rt_ret(__rt_syscall6(number, a, b, c, d, e, f));
}

void _exit(int status)
{
#ifdef MMLAB_BARE
	for (;;)
		*TEST_FINISHER = status ? ((unsigned)(status & 0xffff) << 16) | 0x3333 : 0x5555;
#else
	for (;;)
		__rt_syscall1(__NR_exit_group, status);
#endif
}

void _Exit(int status)
{
	_exit(status);
}

void exit(int status)
{
	fflush(stdout);
	_exit(status);
}

void abort(void)
{
	fflush(stdout);
	static const char msg[] = "abort\n";
	write(2, msg, sizeof msg - 1);
	_exit(134); /* 128 + SIGABRT, as a shell would report a real abort */
}

/* ---- auxiliary vector and environment ------------------------------------ */

unsigned long getauxval(unsigned long type)
{
	for (unsigned long *a = __rt_auxv; a && a[0] != AT_NULL; a += 2)
		if (a[0] == type)
			return a[1];
	errno = ENOENT;
	return 0;
}

char *getenv(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* ---- strings --------------------------------------------------------------
 * memcpy and memset move 8 bytes at a time when alignment allows: guests run
 * on an interpreter, where every instruction counts. (The build passes
 * -fno-tree-loop-distribute-patterns so that GCC does not turn these loops
 * back into calls to themselves.) */

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)  /* overlapping, dst above src: copy backwards */
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = (unsigned char)c * 0x0101010101010101ULL;
	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(uint64_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return (size_t)(p - s);
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* ---- stdio ----------------------------------------------------------------
 * stdout is fully buffered in 4 KiB and flushed by fflush and exit (as glibc
 * does when stdout is not a terminal); stdin and stderr are unbuffered. */

struct __rt_file {
	int fd;
	size_t len;       /* bytes waiting in buf */
	size_t cap;       /* 0: unbuffered */
	char *buf;
};

static char stdout_buf[4096];
static FILE rt_stdin = {0, 0, 0, NULL};
static FILE rt_stdout = {1, 0, sizeof stdout_buf, stdout_buf};
static FILE rt_stderr = {2, 0, 0, NULL};
FILE *stdin = &rt_stdin, *stdout = &rt_stdout, *stderr = &rt_stderr;

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int fflush(FILE *f)
{
	if (!f || !f->len)
		return 0;
	int r = write_all(f->fd, f->buf, f->len);
	f->len = 0;
	return r ? EOF : 0;
}

static int rt_fwrite(FILE *f, const char *p, size_t n)
{
	if (!f->cap)
		return write_all(f->fd, p, n);
	if (f->len + n > f->cap && fflush(f))
		return -1;
	if (n >= f->cap)
		return write_all(f->fd, p, n);
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return 0;
}

/* printf's output goes to a sink: a FILE (through a small staging buffer, so
 * that an unbuffered stream gets one write per call) or a string. */
struct sink {
	FILE *f;          /* NULL for snprintf */
	char *buf;
	size_t cap, len;  /* for snprintf, cap is the caller's size */
	size_t total;     /* characters produced, what printf returns */
	int err;
};

static void sink_put(struct sink *s, const char *p, size_t n)
{
	s->total += n;
	if (!s->f) {
		size_t room = s->cap > s->len + 1 ? s->cap - s->len - 1 : 0;
		size_t k = n < room ? n : room;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		return;
	}
	while (n) {
		if (s->len == s->cap) {
			if (rt_fwrite(s->f, s->buf, s->len))
				s->err = 1;
			s->len = 0;
		}
		size_t room = s->cap - s->len, k = n < room ? n : room;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		p += k;
		n -= k;
	}
}

static void sink_pad(struct sink *s, char c, long count)
{
	while (count-- > 0)
		sink_put(s, &c, 1);
}

enum { F_LEFT = 1, F_ZERO = 2 };

static void put_field(struct sink *s, const char *prefix, const char *body, size_t len, int flags,
		      long width, long zeros)
{
	size_t plen = strlen(prefix);
	long pad = width - (long)(plen + len) - (zeros > 0 ? zeros : 0);
	if (!(flags & F_LEFT))
		sink_pad(s, ' ', pad);
	sink_put(s, prefix, plen);
	sink_pad(s, '0', zeros);
	sink_put(s, body, len);
	if (flags & F_LEFT)
		sink_pad(s, ' ', pad);
}

static void put_number(struct sink *s, unsigned long long v, int negative, unsigned base, int upper,
		       const char *prefix, int flags, long width, long prec)
{
	char digits[24];
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		digits[sizeof digits - 1 - n++] = set[v % base];
		v /= base;
	} while (v);
	if (prec == 0 && n == 1 && digits[sizeof digits - 1] == '0')
		n = 0;  /* printf("%.0d", 0) prints nothing */
	const char *pre = negative ? "-" : prefix;
	long zeros = prec > n ? prec - n : 0;
	if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0) {
		long room = width - (long)strlen(pre) - n;
		zeros = room > 0 ? room : 0;
	}
	put_field(s, pre, digits + sizeof digits - n, (size_t)n, flags, width, zeros);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	while (*fmt) {
		if (*fmt != '%') {
			const char *start = fmt;
			while (*fmt && *fmt != '%')
				fmt++;
			sink_put(s, start, (size_t)(fmt - start));
			continue;
		}
		fmt++;
		int flags = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else
				break;
		}
		long width = 0, prec = -1;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		int lng = 0;  /* 0 int, 1 long (also ll, z, j, t: all 64-bit here), -1 short, -2 char */
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z' || *fmt == 'j' || *fmt == 't')
				lng = 1;
			else if (*fmt == 'h')
				lng = lng < 0 ? -2 : -1;
			else
				break;
		}
		char conv = *fmt ? *fmt++ : '\0';
		switch (conv) {
		case 'd':
		case 'i': {
			long long v = lng > 0 ? va_arg(ap, long) : va_arg(ap, int);
			if (lng == -1)
				v = (short)v;
			else if (lng == -2)
				v = (signed char)v;
			unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			put_number(s, mag, v < 0, 10, 0, "", flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v = lng > 0 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			put_number(s, v, 0, base, conv == 'X', "", flags, width, prec);
			break;
		}
		case 'p': {
			void *p = va_arg(ap, void *);
			if (p)
				put_number(s, (uintptr_t)p, 0, 16, 0, "0x", flags & F_LEFT, width, -1);
			else
				put_field(s, "", "(nil)", 5, flags, width, 0);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			size_t n = 0;
			while (str[n] && (prec < 0 || n < (size_t)prec))
				n++;
			put_field(s, "", str, n, flags, width, 0);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_field(s, "", &c, 1, flags, width, 0);
			break;
		}
		case '%':
			sink_put(s, "%", 1);
			break;
		default:  /* unknown conversion: print it as written */
			sink_put(s, "%", 1);
			if (conv)
				sink_put(s, &conv, 1);
			break;
		}
	}
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char stage[256];
	struct sink s = {f, stage, sizeof stage, 0, 0, 0};
	format(&s, fmt, ap);
	if (s.len && rt_fwrite(f, stage, s.len))
		s.err = 1;
	return s.err ? -1 : (int)s.total;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {NULL, buf, size, 0, 0, 0};
	format(&s, fmt, ap);
	if (size)
		buf[s.len] = '\0';
	return (int)s.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

int fputs(const char *str, FILE *f)
{
	return rt_fwrite(f, str, strlen(str)) ? EOF : 0;
}

int puts(const char *str)
{
	if (fputs(str, stdout) == EOF || rt_fwrite(stdout, "\n", 1))
		return EOF;
	return 0;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;
	return rt_fwrite(f, &ch, 1) ? EOF : (unsigned char)c;
}

int putchar(int c)
{
	return fputc(c, stdout);
}
