/* fcntl.h — mmlab no-libc runtime (rt.c). */
#ifndef MMLAB_RT_FCNTL_H
#define MMLAB_RT_FCNTL_H
#include <sys/types.h>

#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_DIRECTORY 0200000
#define O_CLOEXEC   02000000
#define AT_FDCWD    (-100)

int open(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
#endif
