/* time.h — mmlab no-libc runtime (rt.c). */
#ifndef MMLAB_RT_TIME_H
#define MMLAB_RT_TIME_H
#include <sys/types.h>

typedef int clockid_t;
typedef long time_t;
struct timespec {
	time_t tv_sec;
	long tv_nsec;
};
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define TIMER_ABSTIME 1

int clock_gettime(clockid_t clk, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem); /* posix.c */
#endif
