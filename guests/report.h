/*
 * report.h — how the process and system-call programs print what happened,
 * the same text in both builds: errno values by their Linux names, and wait
 * statuses in the words of the W* macros.
 */
#ifndef MMLAB_GUESTS_REPORT_H
#define MMLAB_GUESTS_REPORT_H
#include <stdio.h>
#include <sys/wait.h>

/* The Linux name of an errno value (the generic table riscv64 uses), or
 * "E#N" for one not listed here. */
static inline const char *errno_name(int e)
{
	static const char *const names[] = {
		[1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO",
		[6] = "ENXIO", [7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD",
		[11] = "EAGAIN", [12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [15] = "ENOTBLK",
		[16] = "EBUSY", [17] = "EEXIST", [18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR",
		[21] = "EISDIR", [22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY",
		[26] = "ETXTBSY", [27] = "EFBIG", [28] = "ENOSPC", [29] = "ESPIPE", [30] = "EROFS",
		[31] = "EMLINK", [32] = "EPIPE", [33] = "EDOM", [34] = "ERANGE", [35] = "EDEADLK",
		[36] = "ENAMETOOLONG", [37] = "ENOLCK", [38] = "ENOSYS", [39] = "ENOTEMPTY",
		[40] = "ELOOP", [61] = "ENODATA", [62] = "ETIME", [75] = "EOVERFLOW",
		[95] = "EOPNOTSUPP", [110] = "ETIMEDOUT",
	};
	static char unknown[16];
	if (e > 0 && e < (int)(sizeof names / sizeof names[0]) && names[e])
		return names[e];
	snprintf(unknown, sizeof unknown, "E#%d", e);
	return unknown;
}

/* "exited N" or "killed by signal N", or "stopped". (Whether a core was
 * dumped depends on the host's RLIMIT_CORE, so it is not said.) */
static inline const char *status_text(int status)
{
	static char text[48];
	if (WIFEXITED(status))
		snprintf(text, sizeof text, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, sizeof text, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(text, sizeof text, "stopped (status 0x%x)", status);
	return text;
}
#endif
