/*
 * wc — counts lines, words and bytes of stdin (or of each FILE): a pipeline
 * stage for pipeline and minish.
 *
 * Usage: wc [FILE...]
 * Output: "LINES WORDS BYTES" for stdin, or "LINES WORDS BYTES FILE" per
 * file, plus a "total" line when there are several. A word is a maximal run
 * of characters other than space, tab and newline. Status 0, or 1 if a file
 * could not be read (stderr names it).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

struct counts {
	unsigned long lines, words, bytes;
};

/* Count fd to its end; returns 0, or -1 on a read error. */
static int count(int fd, struct counts *c)
{
	static char buf[4096];
	int in_word = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		c->bytes += (unsigned long)n;
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];
			int space = ch == ' ' || ch == '\t' || ch == '\n';
			c->lines += ch == '\n';
			c->words += !space && !in_word;
			in_word = !space;
		}
	}
}

static void print(const struct counts *c, const char *name)
{
	printf("%lu %lu %lu%s%s\n", c->lines, c->words, c->bytes, name ? " " : "", name ? name : "");
}

int main(int argc, char **argv)
{
	struct counts total = {0, 0, 0};
	int status = 0;
	if (argc == 1) {
		if (count(0, &total)) {
			fprintf(stderr, "wc: stdin: read error\n");
			return 1;
		}
		print(&total, NULL);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		struct counts c = {0, 0, 0};
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0 || count(fd, &c)) {
			fprintf(stderr, "wc: %s: cannot read\n", argv[i]);
			status = 1;
		} else {
			print(&c, argv[i]);
		}
		if (fd >= 0)
			close(fd);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc > 2)
		print(&total, "total");
	return status;
}
