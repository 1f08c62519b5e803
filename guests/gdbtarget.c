/*
 * gdbtarget — a small program to debug (issue 14), built with -g -O0 and
 * its symbols kept in both builds.
 *
 * Usage: gdbtarget [segv]
 *
 * main calls bump() three times (each adds to the global `counter`, a
 * watchpoint target), then factorial(5), recursive (a backtrace in it shows
 * six frames: five of factorial, then main), then bump(factorial's result).
 * With the argument "segv", main then writes through the pointer
 * `bad_pointer` (address 0x10), which faults: SIGSEGV at 0x10.
 *
 * Output: "counter=126 factorial(5)=120" and, with segv, "about to fault"
 * before the fault. Status 0; 139 with segv.
 */
#include <stdio.h>
#include <string.h>

int counter;                            /* watch this */
volatile int *bad_pointer = (volatile int *)0x10;

void bump(int by)
{
	counter += by;
}

int factorial(int n)
{
	if (n <= 1)
		return 1;                       /* break here for a deep backtrace */
	return n * factorial(n - 1);
}

int main(int argc, char **argv)
{
	bump(1);
	bump(2);
	bump(3);
	int f = factorial(5);
	bump(f);
	printf("counter=%d factorial(5)=%d\n", counter, f);
	if (argc > 1 && strcmp(argv[1], "segv") == 0) {
		printf("about to fault\n");
		fflush(stdout);
		*bad_pointer = 1;
	}
	return 0;
}
