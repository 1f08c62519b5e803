/* stdlib.h — mmlab no-libc runtime: allocator (malloc.c), exit, getenv. */
#ifndef MMLAB_RT_STDLIB_H
#define MMLAB_RT_STDLIB_H
#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

void exit(int status) __attribute__((noreturn));  /* flush stdout, exit_group */
void _Exit(int status) __attribute__((noreturn)); /* exit_group, no flush */
void abort(void) __attribute__((noreturn));       /* message on stderr, status 134 */
char *getenv(const char *name);
#endif
