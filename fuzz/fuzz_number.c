/*
 * number_parse() against a reference computed in 128-bit arithmetic: the
 * same value, and the same one of SYNTAX, OVERFLOW, RANGE.
 * Input: min (8 bytes), max (8 bytes), then the text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "number.h"

/* Above every uint64_t: where the reference stops counting. */
#define REF_BIG	((unsigned __int128)UINT64_MAX + 1)

static int
reference(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned __int128 v = 0;
	const char *p;

	*out = 0;
	if (*s == '\0')
		return ATK_ERR_SYNTAX;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return ATK_ERR_SYNTAX;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > REF_BIG)
			v = REF_BIG;
	}
	if (v > max)
		return ATK_ERR_OVERFLOW;
	if (v < min)
		return ATK_ERR_RANGE;
	*out = (uint64_t)v;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint64_t min, max, got, want;
	char *s;
	int r, rr;

	min = fuzz_u64(&in);
	max = fuzz_u64(&in);
	/* Small bounds are where the interesting edges are. */
	if (min & 1)
		min >>= 56;
	if (max & 1)
		max >>= 40;
	s = fuzz_strndup(in.p, in.n);
	r = number_parse(s, min, max, &got);
	rr = reference(s, min, max, &want);
	FUZZ_CHECK(r == rr);
	FUZZ_CHECK(got == want);
	FUZZ_CHECK(r != 0 || (got >= min && got <= max));
	free(s);
	return 0;
}
