/*
 * UTF-16LE to UTF-8 (lib/utf16.h).  Fed in pieces of any size it agrees
 * with itself fed in one piece (result, error offset, text); what it
 * accepts is well-formed UTF-8 of text characters only, and turned back
 * into UTF-16LE it is the input again, less a leading byte-order mark.
 * Input: a seed byte for the pieces, the data.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "utf16.h"

#define PIECE_MAX	16

/*
 * The decoder, each update() into a buffer of exactly its bound; in one
 * piece when max is 0.
 */
static int
decode(const uint8_t *in, size_t len, size_t max, uint8_t seed, char *out,
    size_t *outlen, uint64_t *errpos)
{
	struct utf16_decoder u;
	struct fuzz_split sp;
	size_t k, n, bound, w = 0;
	char *tmp;
	int r = 0;

	utf16_decoder_init(&u);
	fuzz_split_init(&sp, seed, max);
	while (r == 0 && len > 0) {
		k = max == 0 ? len : fuzz_split_next(&sp, len);
		bound = utf16_decoder_bound(k);
		tmp = fuzz_malloc(bound);
		r = utf16_decoder_update(&u, in, k, tmp, &n);
		FUZZ_CHECK(n <= bound);
		memcpy(out + w, tmp, n);
		free(tmp);
		w += n;
		in += k;
		len -= k;
	}
	if (r == 0)
		r = utf16_decoder_final(&u);
	*outlen = w;
	*errpos = u.errpos;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t seed, *back;
	uint64_t pos1, posn;
	size_t len1, lenn, i, used, b = 0, cap, skip;
	char *one, *many;
	long c;
	int r1, rn;

	seed = fuzz_u8(&in);
	/* Every 2 bytes give at most 3 bytes of UTF-8. */
	cap = in.n / 2 * 3 + 4;
	one = fuzz_malloc(cap);
	many = fuzz_malloc(cap);
	r1 = decode(in.p, in.n, 0, 0, one, &len1, &pos1);
	rn = decode(in.p, in.n, PIECE_MAX, seed, many, &lenn, &posn);
	FUZZ_CHECK(r1 == rn);
	FUZZ_CHECK(r1 == 0 || r1 == ATK_ERR_ENCODING);
	if (r1 != 0) {
		FUZZ_CHECK(pos1 == posn && pos1 < in.n);
		goto out;
	}
	FUZZ_CHECK(len1 == lenn && memcmp(one, many, len1) == 0);
	/* Back to UTF-16LE. */
	back = fuzz_malloc(in.n);
	for (i = 0; i < len1; i += used) {
		c = fuzz_utf8_next((const unsigned char *)one + i, len1 - i,
		    &used);
		FUZZ_CHECK(c >= 0);
		FUZZ_CHECK(c >= ' ' || c == '\t' || c == '\n' || c == '\r');
		FUZZ_CHECK((c < 0x7f || c > 0x9f) && c != 0xfffe &&
		    c != 0xffff);
		if (c >= 0x10000) {
			c -= 0x10000;
			FUZZ_CHECK(b + 4 <= in.n);
			back[b++] = (uint8_t)((0xd800 | c >> 10) & 0xff);
			back[b++] = (uint8_t)((0xd800 | c >> 10) >> 8);
			back[b++] = (uint8_t)((0xdc00 | (c & 0x3ff)) & 0xff);
			back[b++] = (uint8_t)((0xdc00 | (c & 0x3ff)) >> 8);
		} else {
			FUZZ_CHECK(b + 2 <= in.n);
			back[b++] = (uint8_t)(c & 0xff);
			back[b++] = (uint8_t)(c >> 8);
		}
	}
	skip = in.n >= 2 && in.p[0] == 0xff && in.p[1] == 0xfe ? 2 : 0;
	FUZZ_CHECK(b == in.n - skip && memcmp(back, in.p + skip, b) == 0);
	free(back);
 out:
	free(one);
	free(many);
	return 0;
}
