/*
 * bench_coremark — a CoreMark-like integer mix (our own code, not EEMBC's):
 * each iteration runs four kernels over small data sets that stay in the
 * cache, and folds their results into running CRCs.
 *
 *   list    a singly linked list of 128 records in a static pool: find
 *           records by key, reverse the list, merge-sort it by key, then by
 *           a derived value, and fold the visited data into a CRC-16
 *   matrix  16x16 int16 matrices: A + c, A x c, A x v, A x B (int32
 *           results), and a bit-field extraction over the product
 *   state   a state machine that classifies the tokens of a generated text
 *           (integers, hex numbers, decimals, exponents, junk)
 *   crc     CRC-16/CCITT of each kernel's result per iteration, and a
 *           CRC-32 of all of them at the end
 *
 * Usage: bench_coremark [ITERATIONS]   (default 1500, about 204 M
 * instructions; k/m suffixes allowed)
 *
 * Output: one line per kernel with its CRC-16 over all iterations, then the
 * final CRC-32: a wrong result in any kernel changes the printed values.
 * Status 0; 2 bad usage.
 *
 * Integer only, and no libc call inside the timed loop, so the same source
 * also builds for bare metal (bench_bare, -DMMLAB_BARE) with a fixed count.
 */
#include <stdint.h>
#include <stdio.h>

#include "common.h"

#define LIST_LEN 128
#define MAT_N 16
#define TEXT_LEN 512

/* ---- CRCs ------------------------------------------------------------------ */

/* CRC-16/CCITT (polynomial 0x1021, MSB first), one byte at a time. */
static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
	crc ^= (uint16_t)(b << 8);
	for (int i = 0; i < 8; i++)
		crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		crc = crc16_byte(crc, (uint8_t)(v >> (8 * i)));
	return crc;
}

/* CRC-32 (IEEE, reflected, polynomial 0xedb88320), bitwise. */
static uint32_t crc32_u32(uint32_t crc, uint32_t v)
{
	crc = ~crc;
	for (int i = 0; i < 32; i++) {
		uint32_t bit = (crc ^ (v >> i)) & 1;
		crc = (crc >> 1) ^ (bit ? 0xedb88320u : 0);
	}
	return ~crc;
}

/* ---- list ------------------------------------------------------------------ */

struct rec {
	struct rec *next;
	int16_t key;
	uint16_t value;
};

static struct rec pool[LIST_LEN];

/* Link the pool into a list whose keys come from the seed. */
static struct rec *list_build(uint64_t *rng)
{
	struct rec *head = NULL;
	for (int i = LIST_LEN - 1; i >= 0; i--) {
		uint64_t r = rng_next(rng);
		pool[i].key = (int16_t)(r & 0x3ff) - 0x200;
		pool[i].value = (uint16_t)(r >> 32);
		pool[i].next = head;
		head = &pool[i];
	}
	return head;
}

static struct rec *list_find(struct rec *p, int16_t key)
{
	while (p && p->key != key)
		p = p->next;
	return p;
}

static struct rec *list_reverse(struct rec *p)
{
	struct rec *prev = NULL;
	while (p) {
		struct rec *next = p->next;
		p->next = prev;
		prev = p;
		p = next;
	}
	return prev;
}

/* Order by key, or (by_value) by value ^ key; ties keep their order. */
static int rec_before(const struct rec *a, const struct rec *b, int by_value)
{
	if (by_value)
		return (uint16_t)(a->value ^ (uint16_t)a->key) <= (uint16_t)(b->value ^ (uint16_t)b->key);
	return a->key <= b->key;
}

/* Bottom-up merge sort of a linked list (no recursion, no extra memory). */
static struct rec *list_sort(struct rec *list, int by_value)
{
	for (int width = 1;; width *= 2) {
		struct rec *p = list, *tail = NULL;
		int merges = 0;
		list = NULL;
		while (p) {
			merges++;
			struct rec *q = p;
			int psize = 0, qsize = width;
			while (q && psize < width) {
				psize++;
				q = q->next;
			}
			while (psize > 0 || (qsize > 0 && q)) {
				struct rec *e;
				if (psize == 0) {
					e = q, q = q->next, qsize--;
				} else if (qsize == 0 || !q || rec_before(p, q, by_value)) {
					e = p, p = p->next, psize--;
				} else {
					e = q, q = q->next, qsize--;
				}
				if (tail)
					tail->next = e;
				else
					list = e;
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		if (merges <= 1)
			return list;
	}
}

static uint16_t list_kernel(uint64_t seed)
{
	uint64_t rng = seed;
	struct rec *head = list_build(&rng);
	uint16_t crc = 0;
	int found = 0;
	for (int i = 0; i < 16; i++) {
		struct rec *r = list_find(head, (int16_t)((rng_next(&rng) & 0x3ff) - 0x200));
		found += r != NULL;
		crc = crc16_u32(crc, r ? r->value : 0xffffu);
	}
	head = list_reverse(head);
	head = list_sort(head, 0);
	int16_t last = -0x8000;
	for (struct rec *p = head; p; p = p->next) {
		if (p->key < last)
			crc ^= 0xdead;  /* never: the list must be in key order */
		last = p->key;
	}
	head = list_sort(head, 1);
	for (struct rec *p = head; p; p = p->next)
		crc = crc16_byte(crc, (uint8_t)(p->value ^ (uint16_t)p->key));
	return crc16_u32(crc, (uint32_t)found);
}

/* ---- matrix ---------------------------------------------------------------- */

static int16_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N];
static int32_t mat_c[MAT_N][MAT_N], vec_r[MAT_N];

static uint32_t mat_sum(void)
{
	uint32_t s = 0;
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++)
			s = s * 31 + (uint32_t)mat_c[i][j];
	return s;
}

static uint16_t matrix_kernel(uint64_t seed)
{
	uint64_t rng = seed;
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			uint64_t r = rng_next(&rng);
			mat_a[i][j] = (int16_t)((r & 0xff) - 0x80);
			mat_b[i][j] = (int16_t)(((r >> 8) & 0xff) - 0x80);
		}
	int16_t c = (int16_t)(seed & 0x7f);
	uint16_t crc = 0;

	for (int i = 0; i < MAT_N; i++)  /* A + c */
		for (int j = 0; j < MAT_N; j++)
			mat_c[i][j] = mat_a[i][j] + c;
	crc = crc16_u32(crc, mat_sum());

	for (int i = 0; i < MAT_N; i++)  /* A x c */
		for (int j = 0; j < MAT_N; j++)
			mat_c[i][j] = (int32_t)mat_a[i][j] * c;
	crc = crc16_u32(crc, mat_sum());

	for (int i = 0; i < MAT_N; i++) {  /* A x v, v = first column of B */
		int32_t s = 0;
		for (int j = 0; j < MAT_N; j++)
			s += (int32_t)mat_a[i][j] * mat_b[j][0];
		vec_r[i] = s;
		crc = crc16_u32(crc, (uint32_t)s);
	}

	for (int i = 0; i < MAT_N; i++)  /* A x B */
		for (int j = 0; j < MAT_N; j++) {
			int32_t s = 0;
			for (int k = 0; k < MAT_N; k++)
				s += (int32_t)mat_a[i][k] * mat_b[k][j];
			mat_c[i][j] = s;
		}
	crc = crc16_u32(crc, mat_sum());

	uint32_t bits = 0;  /* bits 2..5 and 9..12 of every product */
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			uint32_t v = (uint32_t)mat_c[i][j];
			bits += ((v >> 2) & 0xf) * ((v >> 9) & 0xf);
		}
	return crc16_u32(crc, bits);
}

/* ---- state machine --------------------------------------------------------- */

enum state { S_START, S_INT, S_SIGN, S_HEX0, S_HEX, S_DOT, S_FRAC, S_EXP, S_EXPSIGN, S_EXPNUM, S_JUNK, S_N };

static char text[TEXT_LEN + 1];

/* A text of tokens separated by commas: integers, signed numbers, hex
 * numbers, decimals, exponents, and now and then a corrupted character. */
static void text_build(uint64_t seed)
{
	static const char alphabet[] = "0123456789+-.eEx,abq";
	uint64_t rng = seed;
	for (int i = 0; i < TEXT_LEN; i++) {
		uint64_t r = rng_next(&rng);
		const char *shape;
		switch (r % 8) {
		case 0: shape = "123"; break;
		case 1: shape = "-45"; break;
		case 2: shape = "0x1f"; break;
		case 3: shape = "6.25"; break;
		case 4: shape = "7e-3"; break;
		case 5: shape = "+8.5E9"; break;
		default: shape = "90"; break;
		}
		int j = 0;
		while (shape[j] && i < TEXT_LEN) {
			char ch = shape[j++];
			if (((r >> 8) & 0x1f) == 0)
				ch = alphabet[(r >> 16) % (sizeof alphabet - 1)];
			else if (ch >= '0' && ch <= '9')
				ch = (char)('0' + (r >> (12 + j)) % 10);
			text[i++] = ch;
		}
		if (i < TEXT_LEN)
			text[i] = ',';
	}
	text[TEXT_LEN] = '\0';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* One transition; S_START also means "between tokens". */
static enum state step(enum state s, char c)
{
	switch (s) {
	case S_START:
		if (c == '0') return S_HEX0;
		if (is_digit(c)) return S_INT;
		if (c == '+' || c == '-') return S_SIGN;
		if (c == '.') return S_DOT;
		return S_JUNK;
	case S_SIGN:
		if (is_digit(c)) return S_INT;
		if (c == '.') return S_DOT;
		return S_JUNK;
	case S_HEX0:
		if (c == 'x') return S_HEX;
		if (is_digit(c)) return S_INT;
		if (c == '.') return S_DOT;
		if (c == 'e' || c == 'E') return S_EXP;
		return S_JUNK;
	case S_INT:
		if (is_digit(c)) return S_INT;
		if (c == '.') return S_DOT;
		if (c == 'e' || c == 'E') return S_EXP;
		return S_JUNK;
	case S_HEX:
		return is_hex(c) ? S_HEX : S_JUNK;
	case S_DOT:
		return is_digit(c) ? S_FRAC : S_JUNK;
	case S_FRAC:
		if (is_digit(c)) return S_FRAC;
		if (c == 'e' || c == 'E') return S_EXP;
		return S_JUNK;
	case S_EXP:
		if (c == '+' || c == '-') return S_EXPSIGN;
		return is_digit(c) ? S_EXPNUM : S_JUNK;
	case S_EXPSIGN:
	case S_EXPNUM:
		return is_digit(c) ? S_EXPNUM : S_JUNK;
	default:
		return S_JUNK;
	}
}

static uint16_t state_kernel(uint64_t seed)
{
	uint32_t finals[S_N] = {0}, transitions = 0;
	text_build(seed);
	enum state s = S_START;
	for (const char *p = text;; p++) {
		if (*p == ',' || *p == '\0') {
			finals[s]++;
			s = S_START;
			if (!*p)
				break;
			continue;
		}
		enum state n = step(s, *p);
		transitions += n != s;
		s = n;
	}
	uint16_t crc = 0;
	for (int i = 0; i < S_N; i++)
		crc = crc16_u32(crc, finals[i]);
	return crc16_u32(crc, transitions);
}

/* ---- main ------------------------------------------------------------------ */

struct results {
	uint16_t list, matrix, state;
	uint32_t all;
};

static void run(uint64_t iterations, struct results *r)
{
	r->list = r->matrix = r->state = 0;
	r->all = 0;
	for (uint64_t i = 0; i < iterations; i++) {
		uint64_t seed = i * 0x9e3779b97f4a7c15ULL + 1;
		uint16_t l = list_kernel(seed), m = matrix_kernel(seed), s = state_kernel(seed);
		r->list = crc16_u32(r->list, l);
		r->matrix = crc16_u32(r->matrix, m);
		r->state = crc16_u32(r->state, s);
		r->all = crc32_u32(r->all, (uint32_t)l << 16 | m);
		r->all = crc32_u32(r->all, s);
	}
}

#ifndef BENCH_DEFAULT_ITERATIONS
#define BENCH_DEFAULT_ITERATIONS 1500
#endif

int main(int argc, char **argv)
{
	uint64_t iterations = BENCH_DEFAULT_ITERATIONS;
	if (argc > 2 || (argc == 2 && !parse_u64(argv[1], &iterations))) {
		fprintf(stderr, "bench_coremark: usage: bench_coremark [ITERATIONS]\n");
		return 2;
	}
	struct results r;
	run(iterations, &r);
	printf("bench_coremark: iterations=%lu\n", (unsigned long)iterations);
	printf("list   crc16=0x%04x\n", r.list);
	printf("matrix crc16=0x%04x\n", r.matrix);
	printf("state  crc16=0x%04x\n", r.state);
	printf("all    crc32=0x%08x\n", (unsigned)r.all);
	return 0;
}
