/*
 * echo — prints its arguments separated by single spaces, then a newline
 * (no options): an exec target for fork_wait and minish.
 *
 * Usage: echo [ARG...]       Status 0, or 1 if the write failed.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			putchar(' ');
		fputs(argv[i], stdout);
	}
	putchar('\n');
	return fflush(stdout) ? 1 : 0;
}
