/* string.h — mmlab no-libc runtime (rt.c). */
#ifndef MMLAB_RT_STRING_H
#define MMLAB_RT_STRING_H
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* posix.c */
char *strrchr(const char *s, int c);
char *strcpy(char *dst, const char *src);
char *strcat(char *dst, const char *src);
char *strstr(const char *hay, const char *needle);
#endif
