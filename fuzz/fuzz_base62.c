/*
 * Base62 both ways.  Bytes: the text has exactly base62_encoded_len()
 * characters of the alphabet and decodes to the same bytes.  Text: what
 * decodes re-encodes to a text that decodes to the same bytes, and to the
 * very same text when it had the canonical width.
 * Input: one byte (which way; the width in bytes), then the data.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base62.h"
#include "error.h"
#include "fuzz.h"

/* Encoding is quadratic: keep the inputs short enough to run fast. */
#define FUZZ_BASE62_MAX	512
#define FUZZ_WIDTH_MAX	64

static void
bytes_round_trip(const uint8_t *data, size_t len)
{
	char *text;
	uint8_t *back;
	size_t n, i;

	n = base62_encoded_len(len);
	FUZZ_CHECK(len == 0 || n > len);
	text = fuzz_malloc(n + 1);
	back = fuzz_malloc(len);
	FUZZ_CHECK(base62_encode(data, len, text, n) == ATK_ERR_INVAL);
	FUZZ_CHECK(base62_encode(data, len, text, n + 1) == 0);
	FUZZ_CHECK(strlen(text) == n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(base62_is_digit((unsigned char)text[i]));
	FUZZ_CHECK(base62_decode(text, n, back, len) == 0);
	FUZZ_CHECK(memcmp(back, data, len) == 0);
	free(text);
	free(back);
}

static void
text_round_trip(const uint8_t *data, size_t n, size_t width)
{
	uint8_t *out, *back;
	char *text;
	size_t tn, i;
	int r;

	out = fuzz_malloc(width);
	back = fuzz_malloc(width);
	r = base62_decode((const char *)data, n, out, width);
	FUZZ_CHECK(r == 0 || r == ATK_ERR_SYNTAX || r == ATK_ERR_OVERFLOW);
	if (r == ATK_ERR_SYNTAX) {
		for (i = 0; i < n && base62_is_digit(data[i]); i++)
			;
		FUZZ_CHECK(i < n);
	}
	if (r == 0) {
		tn = base62_encoded_len(width);
		text = fuzz_malloc(tn + 1);
		FUZZ_CHECK(base62_encode(out, width, text, tn + 1) == 0);
		FUZZ_CHECK(base62_decode(text, tn, back, width) == 0);
		FUZZ_CHECK(memcmp(back, out, width) == 0);
		if (n == tn)
			FUZZ_CHECK(memcmp(text, data, n) == 0);
		free(text);
	} else {
		/* Nothing of a refused text is left behind. */
		for (i = 0; i < width; i++)
			FUZZ_CHECK(out[i] == 0);
	}
	free(out);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t mode;

	mode = fuzz_u8(&in);
	if (in.n > FUZZ_BASE62_MAX)
		return 0;
	if (mode & 0x80)
		bytes_round_trip(in.p, in.n);
	else
		text_round_trip(in.p, in.n, mode % (FUZZ_WIDTH_MAX + 1));
	return 0;
}
