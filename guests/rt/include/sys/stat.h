/* sys/stat.h — mmlab no-libc runtime (posix.c). struct stat is the layout of
 * the generic Linux ABI that riscv64 uses (fstat 80, newfstatat 79). */
#ifndef MMLAB_RT_SYS_STAT_H
#define MMLAB_RT_SYS_STAT_H
#include <sys/types.h>

struct stat {
	unsigned long st_dev;
	unsigned long st_ino;
	unsigned int st_mode;
	unsigned int st_nlink;
	unsigned int st_uid;
	unsigned int st_gid;
	unsigned long st_rdev;
	unsigned long __pad1;
	long st_size;
	int st_blksize;
	int __pad2;
	long st_blocks;
	long st_atime_sec, st_atime_nsec;
	long st_mtime_sec, st_mtime_nsec;
	long st_ctime_sec, st_ctime_nsec;
	unsigned int __unused[2];
};

#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_IFIFO  0010000
#define S_IFCHR  0020000
#define S_IFLNK  0120000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

int fstat(int fd, struct stat *st);
int stat(const char *path, struct stat *st);
int mkdir(const char *path, mode_t mode);
#endif
