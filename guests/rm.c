/*
 * rm — removes files (unlink; no options, no directories): an exec target
 * for minish scripts that clean up after themselves.
 *
 * Usage: rm FILE...   Status 0, or 1 if a file could not be removed (stderr
 * names it and the errno).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "report.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++)
		if (unlink(argv[i]) != 0) {
			fprintf(stderr, "rm: %s: %s\n", argv[i], errno_name(errno));
			status = 1;
		}
	return status;
}
