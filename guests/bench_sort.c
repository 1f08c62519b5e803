/*
 * bench_sort — sorts a large array of 32-bit integers twice, with two sorts
 * of our own, and checks the results.
 *
 * Usage: bench_sort [N [SEED]]   (default N = 512k values, SEED = 1, about
 * 240 M instructions; k/m suffixes allowed)
 *
 * The N values come from splitmix64(SEED). One copy is sorted by quicksort
 * (median of three, insertion sort below 16 elements, recursion on the
 * smaller side only), the other by a bottom-up merge sort through a second
 * buffer. Both must be in order and equal element by element.
 *
 * Output: n, seed, the minimum, median and maximum, a checksum
 * (sum of (i + 1) * v[i] mod 2^64) and "sorted=yes". Status 0; 1 a check
 * failed; 2 bad usage; 3 out of memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void insertion_sort(int32_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		int32_t v = a[i];
		long j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void swap(int32_t *a, int32_t *b)
{
	int32_t t = *a;
	*a = *b;
	*b = t;
}

/* Hoare-style partition around the median of the first, middle and last
 * element; recurse into the smaller part and loop on the larger, so the
 * stack stays O(log n) deep. */
static void quicksort(int32_t *a, long n)
{
	while (n > 16) {
		long mid = n / 2;
		if (a[mid] < a[0])
			swap(&a[mid], &a[0]);
		if (a[n - 1] < a[0])
			swap(&a[n - 1], &a[0]);
		if (a[n - 1] < a[mid])
			swap(&a[n - 1], &a[mid]);
		int32_t pivot = a[mid];
		long i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i >= j)
				break;
			swap(&a[i], &a[j]);
			i++;
			j--;
		}
		long left = j + 1;  /* a[0..left) <= pivot <= a[left..n) */
		if (left < n - left) {
			quicksort(a, left);
			a += left;
			n -= left;
		} else {
			quicksort(a + left, n - left);
			n = left;
		}
	}
	insertion_sort(a, n);
}

/* Bottom-up merge sort; tmp holds n elements. The result ends in a. */
static void mergesort(int32_t *a, int32_t *tmp, long n)
{
	int32_t *src = a, *dst = tmp;
	for (long width = 1; width < n; width *= 2) {
		for (long lo = 0; lo < n; lo += 2 * width) {
			long mid = lo + width < n ? lo + width : n;
			long hi = lo + 2 * width < n ? lo + 2 * width : n;
			long i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		int32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, (size_t)n * sizeof *a);
}

int main(int argc, char **argv)
{
	uint64_t n = 512 << 10, seed = 1;
	if (argc > 3 || (argc > 1 && !parse_u64(argv[1], &n)) || (argc > 2 && !parse_u64(argv[2], &seed)) ||
	    n == 0 || n > (1u << 28)) {
		fprintf(stderr, "bench_sort: usage: bench_sort [N [SEED]]   (1 <= N <= 256m)\n");
		return 2;
	}
	int32_t *q = malloc(n * sizeof *q), *m = malloc(n * sizeof *m), *tmp = malloc(n * sizeof *tmp);
	if (!q || !m || !tmp) {
		fprintf(stderr, "bench_sort: out of memory for %lu values\n", (unsigned long)n);
		return 3;
	}
	uint64_t rng = seed;
	for (uint64_t i = 0; i < n; i++)
		q[i] = m[i] = (int32_t)rng_next(&rng);

	quicksort(q, (long)n);
	mergesort(m, tmp, (long)n);

	uint64_t checksum = 0;
	int ok = 1;
	for (uint64_t i = 0; i < n; i++) {
		if (q[i] != m[i] || (i && q[i - 1] > q[i]))
			ok = 0;
		checksum += (i + 1) * (uint64_t)(int64_t)q[i];
	}
	printf("bench_sort: n=%lu seed=%lu\n", (unsigned long)n, (unsigned long)seed);
	printf("min=%d median=%d max=%d\n", q[0], q[n / 2], q[n - 1]);
	printf("checksum=%lu\n", (unsigned long)checksum);
	printf("sorted=%s\n", ok ? "yes" : "NO");
	free(q);
	free(m);
	free(tmp);
	return ok ? 0 : 1;
}
