/*
 * hello — the smallest guest: prints "hello, world" and exits with status 0.
 *
 * Usage: hello
 * The startup-time benchmark runs the no-libc build of this program.
 */
#include <stdio.h>

int main(void)
{
	puts("hello, world");
	return 0;
}
