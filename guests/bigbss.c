/*
 * bigbss — a program whose .bss is 1 GiB, of which it touches four pages:
 * a kernel must map the zero-filled part of a segment on demand, as Linux
 * does, not allocate and clear it when it loads the program (issue 11).
 *
 * Usage: bigbss
 *
 * Reads the first, a middle and the last byte of the array (all zero, as
 * .bss must be), writes four pages at 0, 256 MiB, 512 MiB and 1 GiB - 4 KiB,
 * reads them back. Output: the size, the zero check and the sum of the four
 * bytes written. Status 0; 1 a check failed.
 */
#include <stdint.h>
#include <stdio.h>

#define BIG (1UL << 30)

static volatile unsigned char big[BIG];

int main(void)
{
	int zero = big[0] == 0 && big[BIG / 2] == 0 && big[BIG - 1] == 0;
	static const unsigned long offsets[] = {0, 256UL << 20, 512UL << 20, BIG - 4096};
	unsigned sum = 0;
	for (int i = 0; i < 4; i++)
		big[offsets[i]] = (unsigned char)(i + 1);
	for (int i = 0; i < 4; i++)
		sum += big[offsets[i]];
	printf("bigbss: .bss array of %lu MiB\n", BIG >> 20);
	printf("zero-filled=%s touched=4 sum=%u\n", zero ? "yes" : "NO", sum);
	return zero && sum == 10 ? 0 : 1;
}
