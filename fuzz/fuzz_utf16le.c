/*
 * UTF-8 to UTF-16LE (lib/utf16le.h), what apitoken-gen makes of a
 * password for the PowerShell recipe.  It accepts exactly the well-formed
 * UTF-8 of an independent check; utf16le_encoded_len() and
 * utf16le_encode() agree; the output holds the same code points; too small
 * a buffer is refused; and lib/utf16.h, the way back, gives the very input
 * again whenever it is text.
 * Input: the UTF-8 text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "utf16.h"
#include "utf16le.h"

#define BMP_END		0x10000
#define HIGH_MIN	0xd800
#define LOW_MIN		0xdc00
#define LOW_MAX		0xdfff
#define BOM		0xfeff

/* What lib/utf16.h lets through as text. */
static int
is_text(long c)
{
	if (c < ' ')
		return c == '\t' || c == '\n' || c == '\r';
	return (c < 0x7f || c > 0x9f) && c != 0xfffe && c != 0xffff;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct utf16_decoder u;
	const unsigned char *s = data;
	uint8_t *out;
	char *text, *back;
	size_t i, used, need, len, want = 0, n, skip = 0;
	unsigned long hi, lo;
	long c;
	int r, valid = 1, alltext = 1;

	/* An exact copy: a read past the text is caught. */
	text = fuzz_malloc(size);
	memcpy(text, data, size);
	for (i = 0; i < size && valid; i += used) {
		if ((c = fuzz_utf8_next(s + i, size - i, &used)) < 0)
			valid = 0;
		else {
			want += c < BMP_END ? 2 : 4;
			if (!is_text(c))
				alltext = 0;
			/* A leading U+FEFF reads as a byte-order mark. */
			if (c == BOM && i == 0)
				skip = used;
		}
	}
	r = utf16le_encoded_len(text, size, &need);
	FUZZ_CHECK(r == (valid ? 0 : ATK_ERR_ENCODING));
	FUZZ_CHECK(need == (valid ? want : 0));
	out = fuzz_malloc(need);
	FUZZ_CHECK(utf16le_encode(text, size, out, need, &len) == r);
	if (r != 0) {
		FUZZ_CHECK(len == 0);
		goto out;
	}
	FUZZ_CHECK(len == need);
	if (need > 0)
		FUZZ_CHECK(utf16le_encode(text, size, out, need - 1, &n) ==
		    ATK_ERR_INVAL && n == 0);
	/* The same code points, unit by unit. */
	for (i = 0, n = 0; i < size; i += used) {
		c = fuzz_utf8_next(s + i, size - i, &used);
		hi = (unsigned long)out[n] | (unsigned long)out[n + 1] << 8;
		n += 2;
		if (c < BMP_END) {
			FUZZ_CHECK(hi == (unsigned long)c);
			continue;
		}
		lo = (unsigned long)out[n] | (unsigned long)out[n + 1] << 8;
		n += 2;
		FUZZ_CHECK(hi >= HIGH_MIN && hi < LOW_MIN);
		FUZZ_CHECK(lo >= LOW_MIN && lo <= LOW_MAX);
		FUZZ_CHECK(BMP_END + ((hi - HIGH_MIN) << 10) + (lo - LOW_MIN) ==
		    (unsigned long)c);
	}
	FUZZ_CHECK(n == len);
	/* And back. */
	back = fuzz_malloc(utf16_decoder_bound(len));
	utf16_decoder_init(&u);
	r = utf16_decoder_update(&u, out, len, back, &n);
	if (r == 0)
		r = utf16_decoder_final(&u);
	FUZZ_CHECK((r == 0) == alltext);
	if (r == 0)
		FUZZ_CHECK(n == size - skip &&
		    memcmp(back, text + skip, n) == 0);
	free(back);
 out:
	free(out);
	free(text);
	return 0;
}
