/*
 * Text input with byte-order marks (lib/textin.h).  Fed in pieces of any
 * size and through a scratch buffer of any size, the text is what a plain
 * reference makes of the whole input: a UTF-8 mark dropped, UTF-16LE with
 * its mark narrowed to ASCII (anything else an error at the offset of its
 * code unit), a UTF-16BE mark an error, anything else passed as it is; and
 * textin_offset() maps every text byte back to the input byte it came
 * from.
 * Input: a seed byte for the pieces, a scratch size byte, the data.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "textin.h"

#define PIECE_MAX	32
#define SCRATCH_MAX	16
#define ASCII_MAX	0x7f

static int
reference(const uint8_t *in, size_t len, uint8_t *out, size_t *outlen,
    size_t *errpos)
{
	size_t i, w = 0;

	*outlen = 0;
	*errpos = 0;
	if (len >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf) {
		memcpy(out, in + 3, len - 3);
		*outlen = len - 3;
		return 0;
	}
	if (len >= 2 && in[0] == 0xfe && in[1] == 0xff)
		return ATK_ERR_ENCODING;
	if (len >= 2 && in[0] == 0xff && in[1] == 0xfe) {
		for (i = 2; i + 1 < len; i += 2) {
			if (in[i + 1] != 0 || in[i] > ASCII_MAX) {
				*errpos = i;
				return ATK_ERR_ENCODING;
			}
			out[w++] = in[i];
		}
		if (i < len) {
			*errpos = i;
			return ATK_ERR_ENCODING;
		}
		*outlen = w;
		return 0;
	}
	memcpy(out, in, len);
	*outlen = len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input fin = { data, size };
	struct textin t;
	struct fuzz_split sp;
	const unsigned char *p, *text;
	unsigned char *scratch;
	uint8_t *want, *got;
	size_t left, k, n, textlen, scratchsz, wlen, wpos, w = 0, i;
	uint8_t seed;
	int r = 0, rr;

	seed = fuzz_u8(&fin);
	scratchsz = fuzz_u8(&fin) % SCRATCH_MAX + 1;
	want = fuzz_malloc(fin.n);
	got = fuzz_malloc(fin.n);
	scratch = fuzz_malloc(scratchsz);
	rr = reference(fin.p, fin.n, want, &wlen, &wpos);

	textin_init(&t);
	fuzz_split_init(&sp, seed, PIECE_MAX);
	p = fin.p;
	left = fin.n;
	while (r == 0 && left > 0) {
		k = n = fuzz_split_next(&sp, left);
		/* Call until the piece is used up; a run may be empty. */
		while (r == 0 && k > 0) {
			r = textin_next(&t, &p, &k, &text, &textlen, scratch,
			    scratchsz);
			if (r == 0 && textlen > 0) {
				FUZZ_CHECK(textlen <= fin.n - w);
				memcpy(got + w, text, textlen);
				w += textlen;
			}
		}
		left -= n - k;
	}
	if (r == 0) {
		r = textin_final(&t, &text, &textlen);
		if (r == 0 && textlen > 0) {
			FUZZ_CHECK(textlen <= fin.n - w);
			memcpy(got + w, text, textlen);
			w += textlen;
		}
	}
	FUZZ_CHECK(r == rr);
	if (r != 0)
		FUZZ_CHECK(t.errpos == wpos);
	else {
		FUZZ_CHECK(w == wlen && memcmp(got, want, w) == 0);
		for (i = 0; i < w; i++)
			FUZZ_CHECK(textin_offset(&t, i) < fin.n &&
			    fin.p[textin_offset(&t, i)] == got[i]);
	}
	free(want);
	free(got);
	free(scratch);
	return 0;
}
