/* unistd.h — mmlab no-libc runtime (rt.c). */
#ifndef MMLAB_RT_UNISTD_H
#define MMLAB_RT_UNISTD_H
#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
off_t lseek(int fd, off_t off, int whence);
ssize_t readlink(const char *path, char *buf, size_t n);
pid_t getpid(void);
void *sbrk(long increment);
void _exit(int status) __attribute__((noreturn));
long syscall(long number, ...); /* -1 and errno on failure, as glibc's */
#endif
