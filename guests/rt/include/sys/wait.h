/* sys/wait.h — mmlab no-libc runtime (posix.c). The status word is Linux's:
 * exit code in bits 8-15 and 0 in bits 0-6 for an exit, the signal number in
 * bits 0-6 (bit 7: core dumped) for a death by signal, 0x7f for a stop. */
#ifndef MMLAB_RT_SYS_WAIT_H
#define MMLAB_RT_SYS_WAIT_H
#include <sys/types.h>

#define WNOHANG    1
#define WUNTRACED  2
#define WCONTINUED 8

#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WTERMSIG(s)    ((s) & 0x7f)
#define WSTOPSIG(s)    WEXITSTATUS(s)
#define WIFEXITED(s)   (WTERMSIG(s) == 0)
#define WIFSIGNALED(s) (((signed char)(((s) & 0x7f) + 1) >> 1) > 0)
#define WIFSTOPPED(s)  (((s) & 0xff) == 0x7f)
#define WCOREDUMP(s)   ((s) & 0x80)

pid_t wait(int *status);
pid_t waitpid(pid_t pid, int *status, int options);
pid_t wait4(pid_t pid, int *status, int options, void *rusage);
#endif
