/* stdio.h — the subset of stdio the mmlab no-libc runtime provides (rt.c). */
#ifndef MMLAB_RT_STDIO_H
#define MMLAB_RT_STDIO_H
#include <stdarg.h>
#include <stddef.h>

typedef struct __rt_file FILE;
extern FILE *stdin, *stdout, *stderr;

#define EOF (-1)

/* Formats: %d %i %u %x %X %p %s %c %% with flags '-' '0', a width and a
 * precision (numbers or '*'), and the length modifiers hh h l ll z j. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vfprintf(FILE *f, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int fputs(const char *s, FILE *f);
int putchar(int c);
int fputc(int c, FILE *f);
int fflush(FILE *f); /* stdout is fully buffered (4 KiB); stderr is unbuffered */
int rename(const char *from, const char *to); /* posix.c */
#endif
