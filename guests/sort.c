/*
 * sort — sorts 64-bit integers with a merge sort of its own and checks it.
 *
 * Usage: sort            read whitespace-separated decimal integers (an
 *                        optional '-' or '+' sign) from standard input
 *        sort N SEED     ignore stdin; sort N pseudo-random values in
 *                        [-1000000000, 1000000000] drawn from splitmix64(SEED)
 * The choice is made by the arguments alone, never by what stdin holds.
 *
 * Output:
 *   n=COUNT
 *   sum=S                  the sum of the values (wrapping at 64 bits, signed)
 *   checksum=0x...         sum of (i+1)*v[i] over the sorted array, 64 bits
 *   min=... max=...        (only when n > 0)
 *   first: up to 5 smallest values
 *   last: up to 5 largest values
 *   sorted=yes|no
 * Status: 0 sorted and the same multiset of values as before sorting;
 *         1 the check failed; 2 bad usage or bad input; 3 out of memory.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static int64_t *vals;
static size_t n, cap;

static int push(int64_t v)
{
	if (n == cap) {
		size_t ncap = cap ? cap * 2 : 1024;
		int64_t *p = realloc(vals, ncap * sizeof *p);
		if (!p)
			return 0;
		vals = p;
		cap = ncap;
	}
	vals[n++] = v;
	return 1;
}

/* The number being read: its sign, magnitude and whether it has a digit. */
static int in_num, neg, have_digit;
static uint64_t mag;

/* End the number being read, if any. Returns 0, 2 (bad input) or 3 (no memory). */
static int end_number(unsigned long offset)
{
	if (!in_num)
		return 0;
	in_num = 0;
	if (!have_digit || (!neg && mag > (uint64_t)INT64_MAX)) {
		fprintf(stderr, "sort: bad number before byte %lu\n", offset);
		return 2;
	}
	return push(neg ? (int64_t)(0 - mag) : (int64_t)mag) ? 0 : 3;
}

/* Read every integer on stdin. Returns 0, 2 (bad input) or 3 (no memory). */
static int read_stdin(void)
{
	static char buf[4096];
	unsigned long offset = 0;  /* of buf[0] in the input */
	for (;;) {
		ssize_t k = read(0, buf, sizeof buf);
		if (k < 0) {
			fprintf(stderr, "sort: cannot read stdin\n");
			return 2;
		}
		if (k == 0)
			return end_number(offset);
		for (ssize_t i = 0; i < k; i++) {
			char c = buf[i];
			int r = 0;
			if (c >= '0' && c <= '9') {
				if (!in_num)
					in_num = 1, neg = 0, mag = 0;
				if (mag > ((uint64_t)INT64_MAX + 1 - (uint64_t)(c - '0')) / 10) {
					fprintf(stderr, "sort: number too large at byte %lu\n", offset + (unsigned long)i);
					return 2;
				}
				mag = mag * 10 + (uint64_t)(c - '0');
				have_digit = 1;
			} else if ((c == '-' || c == '+') && !in_num) {
				in_num = 1, neg = c == '-', mag = 0, have_digit = 0;
			} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
				r = end_number(offset + (unsigned long)i);
			} else {
				fprintf(stderr, "sort: unexpected byte 0x%02x at byte %lu\n", (unsigned char)c,
					offset + (unsigned long)i);
				r = 2;
			}
			if (r)
				return r;
		}
		offset += (unsigned long)k;
	}
}

/* Bottom-up merge sort: merge runs of width 1, 2, 4, ... between a and tmp. */
static void merge_sort(int64_t *a, int64_t *tmp, size_t len)
{
	int64_t *src = a, *dst = tmp;
	for (size_t width = 1; width < len; width *= 2) {
		for (size_t lo = 0; lo < len; lo += 2 * width) {
			size_t mid = lo + width < len ? lo + width : len;
			size_t hi = lo + 2 * width < len ? lo + 2 * width : len;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[j] < src[i] ? src[j++] : src[i++];  /* stable */
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		int64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, len * sizeof *a);
}

/* An order-independent fingerprint of the multiset of values. */
static uint64_t fingerprint(const int64_t *a, size_t len)
{
	uint64_t f = 0;
	for (size_t i = 0; i < len; i++) {
		uint64_t s = (uint64_t)a[i];
		f += rng_next(&s);
	}
	return f;
}

int main(int argc, char **argv)
{
	if (argc == 3) {
		uint64_t count, seed;
		if (!parse_u64(argv[1], &count) || !parse_u64(argv[2], &seed)) {
			fprintf(stderr, "sort: usage: sort [N SEED]\n");
			return 2;
		}
		for (uint64_t i = 0; i < count; i++)
			if (!push((int64_t)(rng_next(&seed) % 2000000001ULL) - 1000000000))
				return 3;
	} else if (argc == 1) {
		int r = read_stdin();
		if (r)
			return r;
	} else {
		fprintf(stderr, "sort: usage: sort [N SEED]\n");
		return 2;
	}

	uint64_t before = fingerprint(vals, n);
	int64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
	if (!tmp)
		return 3;
	merge_sort(vals, tmp, n);
	free(tmp);

	uint64_t sum = 0, checksum = 0;
	int sorted = 1;
	for (size_t i = 0; i < n; i++) {
		sum += (uint64_t)vals[i];
		checksum += (uint64_t)(i + 1) * (uint64_t)vals[i];
		if (i && vals[i - 1] > vals[i])
			sorted = 0;
	}
	int same = fingerprint(vals, n) == before;

	printf("n=%lu\n", (unsigned long)n);
	printf("sum=%ld\n", (long)sum);
	printf("checksum=0x%016lx\n", (unsigned long)checksum);
	if (n)
		printf("min=%ld max=%ld\n", (long)vals[0], (long)vals[n - 1]);
	printf("first:");
	for (size_t i = 0; i < n && i < 5; i++)
		printf(" %ld", (long)vals[i]);
	printf("\nlast:");
	for (size_t i = n > 5 ? n - 5 : 0; i < n; i++)
		printf(" %ld", (long)vals[i]);
	printf("\nsorted=%s\n", sorted && same ? "yes" : "no");
	free(vals);
	return sorted && same ? 0 : 1;
}
