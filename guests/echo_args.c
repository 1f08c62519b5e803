/*
 * echo_args — shows what the kernel put on the initial stack: argc, argv,
 * envp and the auxiliary vector entries a static program relies on.
 *
 * Usage: echo_args [ARG...]
 * Output, one item a line:
 *   argc=N
 *   argv[i]=...            for each argument (argv[0] included)
 *   envp[i]=...            for each environment string
 *   AT_PAGESZ=4096
 *   AT_HWCAP=0x112d (acdfim)   the value and its letters (bit n = letter 'a'+n)
 *   AT_CLKTCK=100
 *   AT_RANDOM=non-NULL     (the 16 bytes are random, so only their presence)
 *   AT_EXECFN=...          the string
 *   AT_ENTRY=0x... (_start)   "(_start)" when it is the address of _start
 *   AT_PHNUM=N
 * An absent entry prints "AT_X=missing".
 * Status: the number of entries that are missing or wrong (AT_PAGESZ not
 * 4096, AT_RANDOM or AT_EXECFN NULL, AT_ENTRY not _start, AT_PHNUM 0).
 *
 * The no-libc build finds the auxv itself, just past envp's NULL; the glibc
 * build asks getauxval().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/auxv.h>

extern void _start(void);

/* Look `type` up in the auxiliary vector; 1 and *val if present. */
static int aux(char **envp, unsigned long type, unsigned long *val)
{
#ifdef MMLAB_NOLIBC
	while (*envp)
		envp++;
	for (unsigned long *a = (unsigned long *)(envp + 1); a[0] != AT_NULL; a += 2) {
		if (a[0] == type) {
			*val = a[1];
			return 1;
		}
	}
	return 0;
#else
	(void)envp;
	errno = 0;
	*val = getauxval(type);
	return !(*val == 0 && errno == ENOENT);
#endif
}

int main(int argc, char **argv, char **envp)
{
	int bad = 0;
	unsigned long v;

	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		printf("envp[%d]=%s\n", i, envp[i]);

	if (aux(envp, AT_PAGESZ, &v)) {
		printf("AT_PAGESZ=%lu\n", v);
		bad += v != 4096;
	} else {
		puts("AT_PAGESZ=missing");
		bad++;
	}

	if (aux(envp, AT_HWCAP, &v)) {
		char letters[27];
		int n = 0;
		for (int b = 0; b < 26; b++)
			if (v & (1UL << b))
				letters[n++] = (char)('a' + b);
		letters[n] = '\0';
		printf("AT_HWCAP=0x%lx (%s)\n", v, letters);
	} else {
		puts("AT_HWCAP=missing");
		bad++;
	}

	if (aux(envp, AT_CLKTCK, &v)) {
		printf("AT_CLKTCK=%lu\n", v);
	} else {
		puts("AT_CLKTCK=missing");
		bad++;
	}

	if (aux(envp, AT_RANDOM, &v)) {
		printf("AT_RANDOM=%s\n", v ? "non-NULL" : "NULL");
		bad += v == 0;
	} else {
		puts("AT_RANDOM=missing");
		bad++;
	}

	if (aux(envp, AT_EXECFN, &v)) {
		printf("AT_EXECFN=%s\n", v ? (const char *)v : "NULL");
		bad += v == 0;
	} else {
		puts("AT_EXECFN=missing");
		bad++;
	}

	if (aux(envp, AT_ENTRY, &v)) {
		int ok = v == (unsigned long)_start;
		printf("AT_ENTRY=0x%lx (%s)\n", v, ok ? "_start" : "not _start");
		bad += !ok;
	} else {
		puts("AT_ENTRY=missing");
		bad++;
	}

	if (aux(envp, AT_PHNUM, &v)) {
		printf("AT_PHNUM=%lu\n", v);
		bad += v == 0;
	} else {
		puts("AT_PHNUM=missing");
		bad++;
	}
	return bad;
}
