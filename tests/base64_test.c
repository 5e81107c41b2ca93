#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "base64.h"
#include "error.h"

/* RFC 4648 section 10. */
ATF_TC_WITHOUT_HEAD(base64_encode__rfc4648_vectors);
ATF_TC_BODY(base64_encode__rfc4648_vectors, tc)
{
	const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	const char *nopad[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
	    "Zm9vYmFy" };
	char out[16];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ATF_REQUIRE_EQ(base64_encode(in[i], strlen(in[i]), out,
		    sizeof(out), 0), 0);
		ATF_CHECK_STREQ(out, want[i]);
		ATF_CHECK_EQ(base64_encoded_len(strlen(in[i]), 0),
		    strlen(want[i]));
		ATF_REQUIRE_EQ(base64_encode(in[i], strlen(in[i]), out,
		    sizeof(out), BASE64_NOPAD), 0);
		ATF_CHECK_STREQ(out, nopad[i]);
		ATF_CHECK_EQ(base64_encoded_len(strlen(in[i]), BASE64_NOPAD),
		    strlen(nopad[i]));
	}
	ATF_CHECK_EQ(base64_encode("foo", 3, out, 4, 0), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(base64_encode__url_alphabet);
ATF_TC_BODY(base64_encode__url_alphabet, tc)
{
	const unsigned char in[] = { 0xfb, 0xff, 0xbf };
	char out[8];

	ATF_REQUIRE_EQ(base64_encode(in, 3, out, sizeof(out), 0), 0);
	ATF_CHECK_STREQ(out, "+/+/");
	ATF_REQUIRE_EQ(base64_encode(in, 3, out, sizeof(out), BASE64_URL), 0);
	ATF_CHECK_STREQ(out, "-_-_");
}

/* The Keptn token for the bytes 00 01 .. 0f. */
ATF_TC_WITHOUT_HEAD(base64_encode__keptn_token);
ATF_TC_BODY(base64_encode__keptn_token, tc)
{
	unsigned char in[16];
	char out[32];

	for (int i = 0; i < 16; i++)
		in[i] = (unsigned char)i;
	ATF_REQUIRE_EQ(base64_encode(in, 16, out, sizeof(out), 0), 0);
	ATF_CHECK_STREQ(out, "AAECAwQFBgcICQoLDA0ODw==");
}

ATF_TC_WITHOUT_HEAD(base64_encoder__wraps_lines_in_pieces);
ATF_TC_BODY(base64_encoder__wraps_lines_in_pieces, tc)
{
	struct base64_encoder e;
	const char *msg = "hello AllTool";
	char out[64];
	size_t n = 0;

	/* Fed a byte at a time, wrapped at 8 columns with CR LF. */
	base64_encoder_init(&e, 0, 8, 1);
	for (size_t i = 0; i < strlen(msg); i++) {
		ATF_REQUIRE(n + base64_encoder_bound(&e, 1) < sizeof(out));
		n += base64_encoder_update(&e, msg + i, 1, out + n);
	}
	n += base64_encoder_final(&e, out + n);
	out[n] = '\0';
	ATF_CHECK_STREQ(out, "aGVsbG8g\r\nQWxsVG9v\r\nbA==\r\n");

	/* An exact multiple of the width ends with one line end, not two. */
	base64_encoder_init(&e, 0, 4, 0);
	n = base64_encoder_update(&e, "abcdef", 6, out);
	n += base64_encoder_final(&e, out + n);
	out[n] = '\0';
	ATF_CHECK_STREQ(out, "YWJj\nZGVm\n");
}

/* Decodes s in pieces of at most step characters; returns the result. */
static int
decode_pieces(const char *s, size_t step, int flags, unsigned char *out,
    size_t *outlen, uint64_t *errpos)
{
	struct base64_decoder d;
	size_t len = strlen(s), n, w = 0, k;
	int r;

	base64_decoder_init(&d, flags);
	for (size_t i = 0; i < len; i += k) {
		k = len - i < step ? len - i : step;
		if ((r = base64_decoder_update(&d, s + i, k, out + w, &n)) != 0)
			goto out;
		w += n;
	}
	r = base64_decoder_final(&d, out + w, &n);
	w += n;
out:
	*outlen = w;
	*errpos = d.errpos;
	return r;
}

/* Decodes s whole and at every chunk size; all must give want. */
static void
check_decode(const char *s, int flags, const char *want, size_t wantlen)
{
	unsigned char out[512];
	size_t n;
	uint64_t pos;

	ATF_REQUIRE(strlen(s) < 600);
	for (size_t step = 1; step <= strlen(s) + 1; step++) {
		ATF_CHECK_EQ_MSG(decode_pieces(s, step, flags, out, &n, &pos),
		    0, "%s in pieces of %zu", s, step);
		ATF_CHECK_EQ_MSG(n, wantlen, "%s in pieces of %zu", s, step);
		ATF_CHECK_MSG(n == wantlen && memcmp(out, want, n) == 0,
		    "%s in pieces of %zu", s, step);
	}
}

/* s must fail with error r at offset pos, whatever the chunking. */
static void
check_decode_error(const char *s, int flags, int r, uint64_t pos)
{
	unsigned char out[512];
	size_t n;
	uint64_t p;

	for (size_t step = 1; step <= strlen(s) + 1; step++) {
		ATF_CHECK_EQ_MSG(decode_pieces(s, step, flags, out, &n, &p), r,
		    "%s in pieces of %zu", s, step);
		ATF_CHECK_EQ_MSG(p, pos, "%s in pieces of %zu: offset %ju",
		    s, step, (uintmax_t)p);
	}
}

ATF_TC_WITHOUT_HEAD(base64_decoder__rfc4648_vectors);
ATF_TC_BODY(base64_decoder__rfc4648_vectors, tc)
{
	const char *want[] = { "", "f", "fo", "foo", "foob", "fooba",
	    "foobar" };
	const char *pad[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	const char *nopad[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
	    "Zm9vYmFy" };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		check_decode(pad[i], 0, want[i], strlen(want[i]));
		check_decode(nopad[i], 0, want[i], strlen(want[i]));
		check_decode(pad[i], BASE64_URL, want[i], strlen(want[i]));
	}
}

ATF_TC_WITHOUT_HEAD(base64_decoder__like_gnu);
ATF_TC_BODY(base64_decoder__like_gnu, tc)
{
	/* Padding in the middle, non-zero trailing bits, no final newline. */
	check_decode("YQ==YQ==", 0, "aa", 2);
	check_decode("YQ==\nYQ==\n", 0, "aa", 2);
	check_decode("YR==", 0, "a", 1);
	check_decode("YWFh", 0, "aaa", 3);
	check_decode("YQ=", 0, "a", 1);
}

ATF_TC_WITHOUT_HEAD(base64_decoder__white_space);
ATF_TC_BODY(base64_decoder__white_space, tc)
{
	check_decode("aGVsbG8gQWxsVG9vbA==\r\n", 0, "hello AllTool", 13);
	check_decode("aGVs bG8=", 0, "hello", 5);
	check_decode(" \taGVsbG8g\r\nQWxs\vVG9v\fbA = =\n\n", 0,
	    "hello AllTool", 13);
	check_decode("a\nG\nV\ns\n", 0, "hel", 3);
	check_decode("\r\n\r\n", 0, "", 0);
}

ATF_TC_WITHOUT_HEAD(base64_decoder__alphabets);
ATF_TC_BODY(base64_decoder__alphabets, tc)
{
	const char bytes[] = { (char)0xfb, (char)0xff, (char)0xbf };

	check_decode("+/+/", 0, bytes, 3);
	check_decode("-_-_", 0, bytes, 3);
	check_decode("-_-_", BASE64_URL, bytes, 3);
	check_decode("AAAA-_-_", 0, "\0\0\0\xfb\xff\xbf", 6);
	/* The first alphabet character decides; the other is an error. */
	check_decode_error("+/-_", 0, ATK_ERR_BASE64, 2);
	check_decode_error("AAAA\n-_+/", 0, ATK_ERR_BASE64, 7);
	check_decode_error("+/+/", BASE64_URL, ATK_ERR_BASE64, 0);
}

ATF_TC_WITHOUT_HEAD(base64_decoder__error_offsets);
ATF_TC_BODY(base64_decoder__error_offsets, tc)
{
	check_decode_error("YWFh*", 0, ATK_ERR_BASE64, 4);
	check_decode_error("YWFhYWFhYWFhYWFh\nYWF!", 0, ATK_ERR_BASE64, 20);
	check_decode_error("YQ=Q", 0, ATK_ERR_BASE64, 3);
	check_decode_error("YQ===", 0, ATK_ERR_BASE64, 4);
	check_decode_error("====", 0, ATK_ERR_BASE64, 0);
	check_decode_error("Y===", 0, ATK_ERR_BASE64, 1);
	check_decode_error("YWFhY", 0, ATK_ERR_TRUNCATED, 4);
	check_decode_error("YWFhY\n\n", 0, ATK_ERR_TRUNCATED, 4);
	check_decode_error("YWFh\x01YWFh", 0, ATK_ERR_BASE64, 4);
	check_decode_error("YWFh\xc3\xa9", 0, ATK_ERR_BASE64, 4);
}

/* Random bytes through the encoder and back, every size and chunking. */
ATF_TC_WITHOUT_HEAD(base64_decoder__round_trips);
ATF_TC_BODY(base64_decoder__round_trips, tc)
{
	static const size_t widths[] = { 0, 4, 5, 64, 76 };
	unsigned char in[700], back[700];
	char enc[2000];
	struct base64_encoder e;
	struct base64_decoder d;
	size_t n, w, k, got;
	unsigned int seed = 1;

	for (size_t len = 0; len < sizeof(in); len += 1 + len / 8) {
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)rand_r(&seed);
		for (size_t wi = 0; wi < 5; wi++) {
			for (int flags = 0; flags < 4; flags++) {
				base64_encoder_init(&e, flags, widths[wi],
				    flags & 1);
				ATF_REQUIRE(base64_encoder_bound(&e, len) <
				    sizeof(enc));
				n = base64_encoder_update(&e, in, len, enc);
				n += base64_encoder_final(&e, enc + n);
				k = 1 + (size_t)rand_r(&seed) % 97;
				base64_decoder_init(&d, flags & BASE64_URL);
				w = 0;
				for (size_t i = 0; i < n; i += k) {
					ATF_REQUIRE_EQ(base64_decoder_update(&d,
					    enc + i, n - i < k ? n - i : k,
					    back + w, &got), 0);
					w += got;
				}
				ATF_REQUIRE_EQ(base64_decoder_final(&d,
				    back + w, &got), 0);
				w += got;
				ATF_CHECK_EQ(w, len);
				ATF_CHECK(memcmp(in, back, len) == 0);
			}
		}
	}
}

ATF_TC_WITHOUT_HEAD(base64_decode__one_shot);
ATF_TC_BODY(base64_decode__one_shot, tc)
{
	unsigned char out[16];
	size_t n, pos;

	ATF_CHECK_EQ(base64_decode("AAECAwQFBgcICQoLDA0ODw==", 24, out, 16,
	    &n, 0, &pos), 0);
	ATF_CHECK_EQ(n, 16);
	for (size_t i = 0; i < 16; i++)
		ATF_CHECK_EQ(out[i], i);
	ATF_CHECK_EQ(base64_decode("AAECAwQFBgcICQoLDA0ODw==", 24, out, 15,
	    &n, 0, &pos), ATK_ERR_INVAL);
	ATF_CHECK_EQ(base64_decode("AAEC*", 5, out, 16, &n, 0, &pos),
	    ATK_ERR_BASE64);
	ATF_CHECK_EQ(pos, 4);
	ATF_CHECK_EQ(n, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, base64_decode__one_shot);
	ATF_TP_ADD_TC(tp, base64_decoder__alphabets);
	ATF_TP_ADD_TC(tp, base64_decoder__error_offsets);
	ATF_TP_ADD_TC(tp, base64_decoder__like_gnu);
	ATF_TP_ADD_TC(tp, base64_decoder__rfc4648_vectors);
	ATF_TP_ADD_TC(tp, base64_decoder__round_trips);
	ATF_TP_ADD_TC(tp, base64_decoder__white_space);
	ATF_TP_ADD_TC(tp, base64_encode__rfc4648_vectors);
	ATF_TP_ADD_TC(tp, base64_encode__url_alphabet);
	ATF_TP_ADD_TC(tp, base64_encode__keptn_token);
	ATF_TP_ADD_TC(tp, base64_encoder__wraps_lines_in_pieces);
	return atf_no_error();
}
