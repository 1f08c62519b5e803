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

/* posix.c: processes, pipes, files, timers */
extern char **environ;
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execvp(const char *file, char *const argv[]); /* searches PATH as glibc does */
pid_t getppid(void);
int setpgid(pid_t pid, pid_t pgid);
pid_t setsid(void);
pid_t gettid(void);
int pipe(int fds[2]);
int pipe2(int fds[2], int flags);
int dup(int fd);
int dup2(int fd, int newfd);
int dup3(int fd, int newfd, int flags);
int unlink(const char *path);
int rmdir(const char *path);
int chdir(const char *path);
char *getcwd(char *buf, size_t size);
int ftruncate(int fd, off_t len);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
unsigned alarm(unsigned seconds);
int pause(void);
unsigned sleep(unsigned seconds);
int usleep(unsigned long usec);
#endif
