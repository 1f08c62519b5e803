/*
 * sigsegv_longjmp — catches SIGSEGV (and SIGBUS, SIGILL) with an SA_SIGINFO
 * handler that siglongjmps back, and reports each fault's si_code and
 * address relative to the mapping it was made in.
 *
 * Usage: sigsegv_longjmp
 *
 * The probes, in order, each from a sigsetjmp(env, 1):
 *   prot-none   read  guard+0x123    a PROT_NONE page          SEGV_ACCERR
 *   read-only   write ro+0x8         a page mprotect'ed PROT_READ SEGV_ACCERR
 *   unmapped    write gone+0x40      a page after munmap       SEGV_MAPERR
 *   null        read  0x10           nothing is mapped there   SEGV_MAPERR
 *   no-exec     call  data+0x0       a PROT_READ|PROT_WRITE page  SEGV_ACCERR
 *   past-eof    read  file+0x1000    page 2 of a 2-page mapping of a 100-byte
 *                                    file in /tmp              SIGBUS BUS_ADRERR
 *   illegal     run   bad_insn+0x0   the all-zero instruction  SIGILL ILL_ILLOPC
 * The handler records signal, code and address and jumps back; sigsetjmp
 * with savemask restores the mask, so the next fault is delivered too.
 *
 * Output: one line per probe ("NAME: SIGSEGV code=SEGV_ACCERR
 * addr=guard+0x123"), then the number of faults caught and whether SIGSEGV
 * is unblocked at the end. Status 0; 1 a probe did not fault as expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report.h"

#define PAGE 4096

static sigjmp_buf env;
static volatile int got_sig, got_code, faults;
static void *volatile got_addr;

/* The all-zero word is an illegal instruction in RISC-V (also c.unimp). */
extern char bad_insn[];
__asm__(".text\n.globl bad_insn\n.type bad_insn, @function\n.p2align 2\nbad_insn:\n.word 0\nret\n"
	".size bad_insn, . - bad_insn\n");

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	faults++;
	siglongjmp(env, 1);
}

static const char *sig_name(int sig)
{
	return sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" : "other";
}

static const char *code_name(int sig, int code)
{
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRERR)
		return "BUS_ADRERR";
	if (sig == SIGILL && code == ILL_ILLOPC)
		return "ILL_ILLOPC";
	static char buf[16];
	snprintf(buf, sizeof buf, "%d", code);
	return buf;
}

enum how { READ, WRITE, CALL };

/* Touch base+off in the given way; report the fault against base_name. */
static int probe(const char *name, enum how how, char *base, const char *base_name, uintptr_t off, int want_sig,
		 int want_code)
{
	volatile char *volatile p = base + off;
	__asm__ volatile("" : "+r"(p));  /* the optimiser must not reason about p */
	got_sig = 0;
	if (sigsetjmp(env, 1) == 0) {
		if (how == READ)
			(void)*p;
		else if (how == WRITE)
			*p = 1;
		else
			((void (*)(void))(uintptr_t)p)();
		printf("%s: no fault\n", name);
		return 1;
	}
	intptr_t rel = (intptr_t)((uintptr_t)got_addr - (uintptr_t)base);
	printf("%s: %s code=%s addr=%s%s0x%lx\n", name, sig_name(got_sig), code_name(got_sig, got_code), base_name,
	       !base ? "" : rel < 0 ? "-" : "+", (unsigned long)(rel < 0 ? -rel : rel));
	return got_sig == want_sig && got_code == want_code && (uintptr_t)rel == off ? 0 : 1;
}

/* A 2-page shared mapping of a 100-byte file: page 2 lies past end of file. */
static char *map_short_file(void)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/sigsegv_longjmp.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return NULL;
	char data[100];
	memset(data, 'x', sizeof data);
	char *m = MAP_FAILED;
	if (write(fd, data, sizeof data) == (ssize_t)sizeof data)
		m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	unlink(path);
	return m == MAP_FAILED ? NULL : m;
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO};  /* empty sa_mask */
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);

	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *file = map_short_file();
	if (m == MAP_FAILED || !file) {
		printf("setup failed: %s\n", errno_name(errno));
		return 1;
	}
	char *guard = m, *ro = m + PAGE, *gone = m + 2 * PAGE, *data = m + 3 * PAGE;
	mprotect(guard, PAGE, PROT_NONE);
	mprotect(ro, PAGE, PROT_READ);
	munmap(gone, PAGE);
	data[0] = 0x13;  /* nop (addi x0, x0, 0), were it executable */

	int bad = 0;
	bad += probe("prot-none", READ, guard, "guard", 0x123, SIGSEGV, SEGV_ACCERR);
	bad += probe("read-only", WRITE, ro, "ro", 0x8, SIGSEGV, SEGV_ACCERR);
	bad += probe("unmapped", WRITE, gone, "gone", 0x40, SIGSEGV, SEGV_MAPERR);
	bad += probe("null", READ, NULL, "", 0x10, SIGSEGV, SEGV_MAPERR);
	bad += probe("no-exec", CALL, data, "data", 0, SIGSEGV, SEGV_ACCERR);
	bad += probe("past-eof", READ, file, "file", PAGE, SIGBUS, BUS_ADRERR);
	bad += probe("illegal", CALL, bad_insn, "bad_insn", 0, SIGILL, ILL_ILLOPC);

	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	int unblocked = !sigismember(&now, SIGSEGV);
	printf("faults=%d SIGSEGV-unblocked=%s\n", faults, unblocked ? "yes" : "NO");
	return bad || faults != 7 || !unblocked ? 1 : 0;
}
