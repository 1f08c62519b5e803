/* malloc.h — mmlab no-libc runtime (malloc.c). */
#ifndef MMLAB_RT_MALLOC_H
#define MMLAB_RT_MALLOC_H
#include <stdlib.h>

#define M_TRIM_THRESHOLD (-1)
#define M_MMAP_THRESHOLD (-3)

/* Only M_MMAP_THRESHOLD is honoured: requests of at least that many bytes
 * are served by mmap (default 128 KiB, as glibc's M_MMAP_THRESHOLD). */
int mallopt(int param, int value);
#endif
