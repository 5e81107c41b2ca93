/*
 * Base64 both ways, in every mode.
 *
 * Bytes: the streamed encoder (standard or URL alphabet, padded or not,
 * one line or wrapped at any width with LF or CR LF, fed in pieces of any
 * size) writes no more than its bound, only alphabet characters, padding
 * and line ends, lines of the asked width, the same text as the one-shot
 * encoder; and the decoder gives the bytes back: decode(encode(x)) == x.
 *
 * Text: the decoder fed in pieces of any size agrees with the one-shot
 * decoder and with a plain reference of the grammar in base64.h (result,
 * error offset, bytes), and what it decodes re-encodes and decodes again
 * to the same bytes.
 *
 * Input: a mode byte, a width byte, a seed byte for the pieces, the data.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"
#include "fuzz.h"

#define MODE_TEXT	0x80	/* Decode the data rather than encode it. */
#define MODE_WRAP	0x04
#define MODE_CRLF	0x08
#define MODE_FLAGS	(BASE64_URL | BASE64_NOPAD)
#define PIECE_MAX	64	/* Largest piece fed at a time. */

#define REF_AUTO	0	/* Alphabet not known yet. */
#define REF_STD		1
#define REF_URL		2

/* The decoder as base64.h describes it, one character at a time. */
static int
reference_decode(const uint8_t *in, size_t len, int flags, uint8_t *out,
    size_t *outlen, size_t *errpos)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int alpha = (flags & BASE64_URL) ? REF_URL : REF_AUTO;
	unsigned int nq = 0, npad = 0, v;
	uint32_t acc = 0;
	size_t i, w = 0, qpos = 0;
	const char *c;
	uint8_t ch;

	*outlen = 0;
	*errpos = 0;
	for (i = 0; i < len; i++) {
		ch = in[i];
		if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
			continue;
		if (ch == '=') {
			if (nq < 2)
				goto bad;
			if (nq + ++npad == 4)
				goto emit;
			continue;
		}
		if (alpha == REF_AUTO && (ch == '+' || ch == '/'))
			alpha = REF_STD;
		if (alpha == REF_AUTO && (ch == '-' || ch == '_'))
			alpha = REF_URL;
		if (ch != '\0' && (c = strchr(std, ch)) != NULL)
			v = (unsigned int)(c - std);
		else if ((ch == '+' && alpha == REF_STD) ||
		    (ch == '-' && alpha == REF_URL))
			v = 62;
		else if ((ch == '/' && alpha == REF_STD) ||
		    (ch == '_' && alpha == REF_URL))
			v = 63;
		else
			goto bad;
		if (npad > 0)
			goto bad;
		if (nq == 0)
			qpos = i;
		acc = acc << 6 | v;
		if (++nq < 4)
			continue;
 emit:
		/* nq characters carry 6 * nq bits: nq - 1 whole bytes. */
		acc <<= 6 * (4 - nq);
		for (v = 0; v + 1 < nq; v++)
			out[w++] = (uint8_t)(acc >> (16 - 8 * v));
		acc = 0;
		nq = npad = 0;
	}
	if (nq == 1) {
		*errpos = qpos;
		return ATK_ERR_TRUNCATED;
	}
	if (nq > 1) {
		acc <<= 6 * (4 - nq);
		for (v = 0; v + 1 < nq; v++)
			out[w++] = (uint8_t)(acc >> (16 - 8 * v));
	}
	*outlen = w;
	return 0;
 bad:
	*errpos = i;
	return ATK_ERR_BASE64;
}

/* Streamed, in pieces; each update() into a buffer of exactly its bound. */
static int
stream_decode(const uint8_t *in, size_t len, int flags, uint8_t seed,
    uint8_t *out, size_t *outlen, size_t *errpos)
{
	struct base64_decoder d;
	struct fuzz_split sp;
	uint8_t *tmp;
	size_t k, n, bound, w = 0;
	int r = 0;

	*outlen = 0;
	*errpos = 0;
	base64_decoder_init(&d, flags);
	fuzz_split_init(&sp, seed, PIECE_MAX);
	while (len > 0) {
		k = fuzz_split_next(&sp, len);
		bound = base64_decoder_bound(k);
		tmp = fuzz_malloc(bound);
		r = base64_decoder_update(&d, in, k, tmp, &n);
		FUZZ_CHECK(n <= bound);
		memcpy(out + w, tmp, n);
		free(tmp);
		w += n;
		if (r != 0)
			break;
		in += k;
		len -= k;
	}
	if (r == 0) {
		bound = base64_decoder_bound(0);
		tmp = fuzz_malloc(bound);
		r = base64_decoder_final(&d, tmp, &n);
		FUZZ_CHECK(n <= bound);
		memcpy(out + w, tmp, n);
		free(tmp);
		w += n;
	}
	if (r != 0) {
		*errpos = (size_t)d.errpos;
		/* An error is sticky. */
		FUZZ_CHECK(base64_decoder_final(&d, out, &n) == r && n == 0);
		return r;
	}
	FUZZ_CHECK(d.nout == w);
	*outlen = w;
	return 0;
}

static void
check_text(const uint8_t *in, size_t len, int flags, uint8_t seed)
{
	uint8_t *ref, *one, *str, *back;
	size_t rlen, olen, slen, blen, rpos, opos, spos, cap, tn;
	char *text;
	int r;

	/* Every 4 characters give at most 3 bytes. */
	cap = len / 4 * 3 + 3;
	ref = fuzz_malloc(cap);
	one = fuzz_malloc(cap);
	str = fuzz_malloc(cap + 8);
	r = reference_decode(in, len, flags, ref, &rlen, &rpos);
	FUZZ_CHECK(base64_decode((const char *)in, len, one, cap, &olen,
	    flags, &opos) == r);
	FUZZ_CHECK(stream_decode(in, len, flags, seed, str, &slen, &spos) ==
	    r);
	if (r != 0) {
		FUZZ_CHECK(r == ATK_ERR_BASE64 || r == ATK_ERR_TRUNCATED);
		FUZZ_CHECK(opos == rpos && spos == rpos && olen == 0);
		goto out;
	}
	FUZZ_CHECK(olen == rlen && slen == rlen);
	FUZZ_CHECK(memcmp(one, ref, rlen) == 0);
	FUZZ_CHECK(memcmp(str, ref, rlen) == 0);
	/* Too small an output is refused, not overrun. */
	if (rlen > 0)
		FUZZ_CHECK(base64_decode((const char *)in, len, one, rlen - 1,
		    &olen, flags, &opos) == ATK_ERR_INVAL);
	/* What decodes re-encodes to a text that decodes the same. */
	tn = base64_encoded_len(rlen, flags) + 1;
	text = fuzz_malloc(tn);
	back = fuzz_malloc(rlen);
	FUZZ_CHECK(base64_encode(ref, rlen, text, tn, flags) == 0);
	FUZZ_CHECK(base64_decode(text, tn - 1, back, rlen, &blen, flags,
	    &opos) == 0 && blen == rlen);
	FUZZ_CHECK(memcmp(back, ref, rlen) == 0);
	free(text);
	free(back);
 out:
	free(ref);
	free(one);
	free(str);
}

static int
is_char(char c, int flags)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	if (flags & BASE64_URL)
		return c == '-' || c == '_';
	return c == '+' || c == '/';
}

/* Lines of exactly cols characters but the last, each ended. */
static void
check_lines(const char *t, size_t n, int flags, size_t cols, int crlf,
    size_t chars)
{
	size_t i, col = 0, seen = 0, pads = 0;

	for (i = 0; i < n; i++) {
		if (cols != 0 && (t[i] == '\r' || t[i] == '\n')) {
			if (crlf) {
				FUZZ_CHECK(t[i] == '\r' && i + 1 < n &&
				    t[i + 1] == '\n');
				i++;
			} else
				FUZZ_CHECK(t[i] == '\n');
			FUZZ_CHECK(col > 0 && (col == cols || i == n - 1));
			col = 0;
			continue;
		}
		if (t[i] == '=') {
			FUZZ_CHECK(!(flags & BASE64_NOPAD));
			pads++;
		} else
			FUZZ_CHECK(pads == 0 && is_char(t[i], flags));
		col++;
		seen++;
		FUZZ_CHECK(cols == 0 || col <= cols);
	}
	FUZZ_CHECK(cols == 0 || col == 0);
	FUZZ_CHECK(seen == chars && pads <= 2);
}

static void
check_bytes(const uint8_t *in, size_t len, int flags, size_t cols, int crlf,
    uint8_t seed)
{
	struct base64_encoder e;
	struct fuzz_split sp;
	const uint8_t *p = in;
	size_t left = len, k, n, bound, w = 0, cap, chars, olen, epos;
	char *text, *tmp, *one;
	uint8_t *back;

	chars = base64_encoded_len(len, flags);
	cap = chars + (cols != 0 ? (chars / cols + 1) * 2 : 0);
	text = fuzz_malloc(cap);
	base64_encoder_init(&e, flags, cols, crlf);
	fuzz_split_init(&sp, seed, PIECE_MAX);
	while (left > 0) {
		k = fuzz_split_next(&sp, left);
		bound = base64_encoder_bound(&e, k);
		tmp = fuzz_malloc(bound);
		n = base64_encoder_update(&e, p, k, tmp);
		FUZZ_CHECK(n <= bound && n <= cap - w);
		memcpy(text + w, tmp, n);
		free(tmp);
		w += n;
		p += k;
		left -= k;
	}
	bound = base64_encoder_bound(&e, 0);
	tmp = fuzz_malloc(bound);
	n = base64_encoder_final(&e, tmp);
	FUZZ_CHECK(n <= bound && n <= cap - w);
	memcpy(text + w, tmp, n);
	free(tmp);
	w += n;
	check_lines(text, w, flags, cols, crlf, chars);
	if (cols == 0) {
		one = fuzz_malloc(chars + 1);
		FUZZ_CHECK(base64_encode(in, len, one, chars, flags) ==
		    ATK_ERR_INVAL);
		FUZZ_CHECK(base64_encode(in, len, one, chars + 1, flags) == 0);
		FUZZ_CHECK(strlen(one) == chars && w == chars);
		FUZZ_CHECK(memcmp(one, text, chars) == 0);
		free(one);
	}
	/* decode(encode(x)) == x, with the alphabet given or found. */
	back = fuzz_malloc(len);
	FUZZ_CHECK(base64_decode(text, w, back, len, &olen, flags & BASE64_URL,
	    &epos) == 0);
	FUZZ_CHECK(olen == len && memcmp(back, in, len) == 0);
	FUZZ_CHECK(base64_decode(text, w, back, len, &olen, 0, &epos) == 0);
	FUZZ_CHECK(olen == len && memcmp(back, in, len) == 0);
	free(back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t mode, width, seed;
	size_t cols;

	mode = fuzz_u8(&in);
	width = fuzz_u8(&in);
	seed = fuzz_u8(&in);
	if (mode & MODE_TEXT) {
		check_text(in.p, in.n, mode & BASE64_URL, seed);
		return 0;
	}
	cols = (mode & MODE_WRAP) ? (size_t)width % 100 + 1 : 0;
	check_bytes(in.p, in.n, mode & MODE_FLAGS, cols,
	    (mode & MODE_CRLF) != 0, seed);
	return 0;
}
