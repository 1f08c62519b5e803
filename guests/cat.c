/*
 * cat — copies files (or stdin) to stdout with read/write, 64 KiB at a time.
 *
 * Usage: cat [FILE...]     ("-" or no argument: standard input)
 *   Exercises openat, read, write and close, stdin passed through by
 *   `mmlab run`, and host directories mounted with --mount.
 *   Status: 0, or 1 if a file could not be opened or read (a message on
 *   stderr names it and the errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

static int copy(int fd, const char *name)
{
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			fprintf(stderr, "cat: read %s: errno %d\n", name, errno);
			return 1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(1, buf + off, (size_t)(n - off));
			if (k <= 0) {
				fprintf(stderr, "cat: write: errno %d\n", errno);
				return 1;
			}
			off += k;
		}
	}
}

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2)
		return copy(0, "stdin");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			status |= copy(0, "stdin");
			continue;
		}
		int fd = openat(AT_FDCWD, argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "cat: open %s: errno %d\n", argv[i], errno);
			status = 1;
			continue;
		}
		status |= copy(fd, argv[i]);
		close(fd);
	}
	return status;
}
