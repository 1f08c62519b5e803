/*
 * exitcode — exits with the status given on its command line.
 *
 * Usage: exitcode [N [exit|return]]
 *   Prints "exitcode: N" and ends with status N & 255 (the kernel keeps the
 *   low 8 bits), by returning from main (default) or by calling exit().
 *   No argument: status 0. An argument that is not a number: a message on
 *   stderr and status 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int main(int argc, char **argv)
{
	int64_t n = 0;
	if (argc > 1 && !parse_i64(argv[1], &n)) {
		fprintf(stderr, "exitcode: not a number: %s\n", argv[1]);
		return 2;
	}
	printf("exitcode: %ld\n", (long)n);
	if (argc > 2 && strcmp(argv[2], "exit") == 0)
		exit((int)n);
	return (int)n;
}
