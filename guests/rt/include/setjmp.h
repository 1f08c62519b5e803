/* setjmp.h — mmlab no-libc runtime (setjmp.S, posix.c). A jmp_buf holds ra,
 * sp and s0-s11 (the runtime is soft-float: no FP registers to keep), then,
 * for sigsetjmp, whether the signal mask was saved and the mask. */
#ifndef MMLAB_RT_SETJMP_H
#define MMLAB_RT_SETJMP_H

typedef long jmp_buf[16];
typedef long sigjmp_buf[16];

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));
int sigsetjmp(sigjmp_buf env, int savemask) __attribute__((returns_twice));
void siglongjmp(sigjmp_buf env, int val) __attribute__((noreturn));
#endif
