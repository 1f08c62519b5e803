/*
 * common.h — small helpers shared by the guest programs, in both builds
 * (glibc and the mmlab no-libc runtime): a seeded pseudo-random generator and
 * a strict number parser, so that no program depends on libc's rand() or
 * strtoul() and the two builds print exactly the same thing.
 */
#ifndef MMLAB_GUESTS_COMMON_H
#define MMLAB_GUESTS_COMMON_H
#include <stdint.h>

/* splitmix64: a tiny, well-mixed 64-bit generator; state advances by a constant. */
static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Parse an unsigned number: decimal, or hex with 0x; an optional k/m/g
 * suffix multiplies by 2^10/2^20/2^30. Returns 1 on success, 0 when the text
 * is not such a number or overflows 64 bits. */
static inline int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	if (!s || !*s)
		return 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return 0;
	}
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return 0;
		v = v * base + d;
	}
	unsigned shift = 0;
	switch (*s) {
	case '\0': break;
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	default: return 0;
	}
	if (*s || (shift && v > (UINT64_MAX >> shift)))
		return 0;
	*out = v << shift;
	return 1;
}

/* Parse a signed decimal number with an optional leading '-' or '+'. */
static inline int parse_i64(const char *s, int64_t *out)
{
	int neg = 0;
	uint64_t v;
	if (s && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (!parse_u64(s, &v) || v > (uint64_t)INT64_MAX + neg)
		return 0;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

#endif
