/*
 * RFC 3339 dates.  parse(format(t)) == t for every t in range, and format
 * refuses every other t; a parsed text is in range, re-parses to the same t
 * from its formatted text, and is that very text when it was already in the
 * canonical shape.
 * Input: t (8 bytes), then the text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "error.h"
#include "fuzz.h"
#include "rfc3339.h"

#define SECOND_AT	17	/* Where "ss" starts in the canonical text. */

/* "YYYY-MM-DDThh:mm:ssZ" with a capital T and Z, no fraction, no leap. */
static int
canonical_shape(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != RFC3339_LEN)
		return 0;
	for (i = 0; i < RFC3339_LEN; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return 0;
		} else if (s[i] != shape[i])
			return 0;
	}
	return strncmp(s + SECOND_AT, "60", 2) != 0;
}

static void
check_time(int64_t t)
{
	char buf[RFC3339_BUFSZ];
	int64_t back;
	int r;

	r = rfc3339_format(t, buf, sizeof(buf));
	if (t < CIVIL_TIME_MIN || t > CIVIL_TIME_MAX) {
		FUZZ_CHECK(r == ATK_ERR_RANGE && buf[0] == '\0');
		return;
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(canonical_shape(buf));
	FUZZ_CHECK(rfc3339_parse(buf, &back) == 0 && back == t);
	FUZZ_CHECK(rfc3339_format(t, buf, RFC3339_LEN) == ATK_ERR_INVAL);
}

static void
check_text(const char *s)
{
	char buf[RFC3339_BUFSZ];
	int64_t t, back;
	int r;

	r = rfc3339_parse(s, &t);
	FUZZ_CHECK(r == 0 || r == ATK_ERR_SYNTAX || r == ATK_ERR_RANGE);
	if (r != 0) {
		FUZZ_CHECK(t == 0);
		return;
	}
	FUZZ_CHECK(t >= CIVIL_TIME_MIN && t <= CIVIL_TIME_MAX);
	FUZZ_CHECK(rfc3339_format(t, buf, sizeof(buf)) == 0);
	FUZZ_CHECK(rfc3339_parse(buf, &back) == 0 && back == t);
	if (canonical_shape(s))
		FUZZ_CHECK(strcmp(buf, s) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint64_t u;
	char *s;

	u = fuzz_u64(&in);
	/* Mostly times in range, and the edges around it. */
	if (u & 1)
		check_time((int64_t)u >> 1);
	else
		check_time((int64_t)((u >> 1) % ((uint64_t)CIVIL_TIME_MAX +
		    3)) - 1);
	s = fuzz_strndup(in.p, in.n);
	check_text(s);
	free(s);
	return 0;
}
