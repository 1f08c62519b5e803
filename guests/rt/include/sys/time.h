/* sys/time.h — mmlab no-libc runtime (posix.c): interval timers. */
#ifndef MMLAB_RT_SYS_TIME_H
#define MMLAB_RT_SYS_TIME_H
#include <sys/types.h>

struct timeval {
	long tv_sec;
	long tv_usec;
};
struct itimerval {
	struct timeval it_interval;
	struct timeval it_value;
};
#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2

int setitimer(int which, const struct itimerval *value, struct itimerval *old);
int getitimer(int which, struct itimerval *value);
#endif
