/*
 * Helpers of the fuzz targets; see fuzz.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define FUZZ_SPLIT_MUL	UINT64_C(6364136223846793005)
#define FUZZ_SPLIT_INC	UINT64_C(1442695040888963407)
#define FUZZ_SPLIT_SHIFT 33

void
fuzz_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line,
	    expr);
	abort();
}

void *
fuzz_malloc(size_t n)
{
	void *p;

	/* A target that cannot get memory has nothing to test. */
	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "malloc");
	return p;
}

char *
fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s;

	s = fuzz_malloc(n + 1);
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

uint8_t
fuzz_u8(struct fuzz_input *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = in->p[0];
	in->p++;
	in->n--;
	return v;
}

uint64_t
fuzz_u64(struct fuzz_input *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)fuzz_u8(in) << (8 * i);
	return v;
}

void
fuzz_split_init(struct fuzz_split *sp, uint64_t seed, size_t max)
{
	sp->state = seed;
	sp->max = max == 0 ? 1 : max;
}

/* A linear congruential step: enough to vary the cuts, nothing more. */
size_t
fuzz_split_next(struct fuzz_split *sp, size_t left)
{
	size_t n;

	sp->state = sp->state * FUZZ_SPLIT_MUL + FUZZ_SPLIT_INC;
	n = (size_t)(sp->state >> FUZZ_SPLIT_SHIFT) % sp->max + 1;
	return n < left ? n : left;
}

/* One UTF-8 sequence at s (n bytes left): its code point, or -1. */
long
fuzz_utf8_next(const unsigned char *s, size_t n, size_t *used)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*used = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return -1;
	if (n < len)
		return -1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return -1;
	*used = len;
	return (long)c;
}
