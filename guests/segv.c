/*
 * segv — makes one kind of bad memory access, which must kill the process
 * with SIGSEGV (a shell reports status 139).
 *
 * Usage: segv [MODE]
 *   null      write through a NULL pointer (default)
 *   kread     read a kernel address (0xffffaf8000000000, the direct map)
 *   kwrite    write that kernel address
 *   unmapped  write to a page after munmap
 *   rodata    write to a string constant (a read-only page)
 *   mprotect  write to a page made PROT_READ with mprotect
 *   nx        jump into a PROT_READ|PROT_WRITE page (no PROT_EXEC)
 *
 * Output: "segv: MODE" on stdout (flushed before the access). If the access
 * does not fault, "segv: MODE did not fault" follows and the status is 1;
 * an unknown mode prints usage on stderr and gives status 2.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static const char rodata[] = "read-only";

static void *anon_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "null";
	volatile unsigned char *target = NULL;
	int read_it = 0, exec_it = 0;

	if (strcmp(mode, "null") == 0) {
		target = NULL;
	} else if (strcmp(mode, "kread") == 0 || strcmp(mode, "kwrite") == 0) {
		target = (volatile unsigned char *)0xffffaf8000000000UL;
		read_it = mode[1] == 'r';
	} else if (strcmp(mode, "unmapped") == 0) {
		target = anon_page();
		if (target) {
			*target = 1;
			munmap((void *)target, 4096);
		}
	} else if (strcmp(mode, "rodata") == 0) {
		target = (volatile unsigned char *)(uintptr_t)rodata;
	} else if (strcmp(mode, "mprotect") == 0) {
		target = anon_page();
		if (target) {
			*target = 1;
			mprotect((void *)target, 4096, PROT_READ);
		}
	} else if (strcmp(mode, "nx") == 0) {
		target = anon_page();
		if (target) {
			target[0] = 0x82;  /* c.ret (0x8082), little-endian */
			target[1] = 0x80;
		}
		exec_it = 1;
	} else {
		fprintf(stderr, "segv: usage: segv [null|kread|kwrite|unmapped|rodata|mprotect|nx]\n");
		return 2;
	}

	printf("segv: %s\n", mode);
	fflush(stdout);

	/* Hide the pointer's value from the optimiser, which would otherwise
	 * turn a known NULL dereference into a trap instruction (SIGTRAP, not
	 * SIGSEGV) or drop it. */
	__asm__ volatile("" : "+r"(target));

	if (exec_it)
		((void (*)(void))(uintptr_t)target)();
	else if (read_it)
		(void)*target;
	else
		*target = 42;

	printf("segv: %s did not fault\n", mode);
	return 1;
}
