#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "base62.h"
#include "error.h"
#include "token.h"

#define NATIVE_LEN(plen)	((plen) + 1 + TOKEN_ID_CHARS + 1 + \
	TOKEN_SECRET_CHARS + TOKEN_CHECKSUM_CHARS)

static void
make(const char *prefix, struct token *tok, char *buf, size_t bufsz)
{
	ATF_REQUIRE_EQ(token_generate(prefix, tok, buf, bufsz), 0);
}

ATF_TC_WITHOUT_HEAD(token_prefix_valid__rules);
ATF_TC_BODY(token_prefix_valid__rules, tc)
{
	ATF_CHECK(token_prefix_valid("atk"));
	ATF_CHECK(token_prefix_valid("a"));
	ATF_CHECK(token_prefix_valid("a0b1c2d3e4f5g6h7"));	/* 16 */
	ATF_CHECK(!token_prefix_valid("a0b1c2d3e4f5g6h7i"));	/* 17 */
	ATF_CHECK(!token_prefix_valid(""));
	ATF_CHECK(!token_prefix_valid(NULL));
	ATF_CHECK(!token_prefix_valid("0atk"));
	ATF_CHECK(!token_prefix_valid("Atk"));
	ATF_CHECK(!token_prefix_valid("a_k"));
	ATF_CHECK(!token_prefix_valid("a-k"));
}

ATF_TC_WITHOUT_HEAD(token_generate__shape);
ATF_TC_BODY(token_generate__shape, tc)
{
	char buf[TOKEN_NATIVE_BUFSZ], id[TOKEN_ID_BUFSZ];
	struct token tok;

	make("atk", &tok, buf, sizeof(buf));
	ATF_CHECK_EQ(tok.kind, TOKEN_NATIVE);
	ATF_CHECK_EQ(strlen(buf), NATIVE_LEN(3));
	ATF_CHECK_EQ(tok.len, NATIVE_LEN(3));
	ATF_CHECK(tok.text == buf);
	ATF_CHECK(strncmp(buf, "atk_", 4) == 0);
	ATF_CHECK_EQ(buf[4 + TOKEN_ID_CHARS], '_');
	token_id_format(tok.id, id);
	ATF_CHECK(strncmp(buf + 4, id, TOKEN_ID_CHARS) == 0);
	ATF_CHECK_STREQ(tok.prefix, "atk");
	/* Well under 100 characters even with the longest prefix. */
	ATF_CHECK(TOKEN_NATIVE_BUFSZ - 1 < 100);
	make("a0b1c2d3e4f5g6h7", &tok, buf, sizeof(buf));
	ATF_CHECK_EQ(strlen(buf), TOKEN_NATIVE_BUFSZ - 1);
	token_clear(&tok);
}

ATF_TC_WITHOUT_HEAD(token_generate__errors);
ATF_TC_BODY(token_generate__errors, tc)
{
	char buf[TOKEN_NATIVE_BUFSZ];
	struct token tok;

	ATF_CHECK_EQ(token_generate("Bad", &tok, buf, sizeof(buf)),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(token_generate("atk", &tok, buf, NATIVE_LEN(3)),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(token_generate("atk", &tok, buf, NATIVE_LEN(3) + 1), 0);
}

ATF_TC_WITHOUT_HEAD(token_parse__round_trip);
ATF_TC_BODY(token_parse__round_trip, tc)
{
	char buf[TOKEN_NATIVE_BUFSZ];
	struct token tok, back;

	for (int i = 0; i < 200; i++) {
		make(i % 2 ? "atk" : "x9", &tok, buf, sizeof(buf));
		ATF_REQUIRE_EQ(token_parse(buf, strlen(buf), &back),
		    TOKEN_NATIVE);
		ATF_CHECK_EQ(back.kind, TOKEN_NATIVE);
		ATF_CHECK_STREQ(back.prefix, tok.prefix);
		ATF_CHECK(memcmp(back.id, tok.id, TOKEN_ID_BYTES) == 0);
		ATF_CHECK(memcmp(back.secret, tok.secret,
		    TOKEN_SECRET_BYTES) == 0);
		ATF_CHECK_EQ(back.len, strlen(buf));
	}
	token_clear(&tok);
	token_clear(&back);
}

ATF_TC_WITHOUT_HEAD(token_regenerate__keeps_id);
ATF_TC_BODY(token_regenerate__keeps_id, tc)
{
	char a[TOKEN_NATIVE_BUFSZ], b[TOKEN_NATIVE_BUFSZ];
	struct token ta, tb;

	make("atk", &ta, a, sizeof(a));
	ATF_REQUIRE_EQ(token_regenerate("atk", ta.id, &tb, b, sizeof(b)), 0);
	ATF_CHECK(memcmp(ta.id, tb.id, TOKEN_ID_BYTES) == 0);
	ATF_CHECK(memcmp(ta.secret, tb.secret, TOKEN_SECRET_BYTES) != 0);
	ATF_CHECK(strncmp(a, b, 4 + TOKEN_ID_CHARS + 1) == 0);
	ATF_CHECK(strcmp(a, b) != 0);
	ATF_CHECK_EQ(token_parse(b, strlen(b), &tb), TOKEN_NATIVE);
}

/* Every one-character substitution within the alphabet fails the checksum. */
ATF_TC_WITHOUT_HEAD(token_parse__every_typo_rejected);
ATF_TC_BODY(token_parse__every_typo_rejected, tc)
{
	static const char alpha[] = BASE62_ALPHABET;
	char buf[TOKEN_NATIVE_BUFSZ], orig;
	struct token tok;
	size_t len, i, j;
	int r;

	make("atk", &tok, buf, sizeof(buf));
	len = strlen(buf);
	for (i = 4; i < len; i++) {
		if (buf[i] == '_')
			continue;
		orig = buf[i];
		for (j = 0; j < sizeof(alpha) - 1; j++) {
			if (alpha[j] == orig)
				continue;
			buf[i] = alpha[j];
			r = token_parse(buf, len, &tok);
			if (r != ATK_ERR_CHECKSUM)
				atf_tc_fail("typo at %zu ('%c' for '%c'): %d",
				    i, alpha[j], orig, r);
		}
		buf[i] = orig;
	}
	/* A typo in the prefix too. */
	buf[0] = 'b';
	ATF_CHECK_EQ(token_parse(buf, len, &tok), ATK_ERR_CHECKSUM);
	buf[0] = 'a';
	ATF_CHECK_EQ(token_parse(buf, len, &tok), TOKEN_NATIVE);
}

/* Every truncation is either refused or not a native token. */
ATF_TC_WITHOUT_HEAD(token_parse__every_truncation_rejected);
ATF_TC_BODY(token_parse__every_truncation_rejected, tc)
{
	char buf[TOKEN_NATIVE_BUFSZ];
	struct token tok;
	size_t len, n;
	int r;

	make("atk", &tok, buf, sizeof(buf));
	len = strlen(buf);
	for (n = 0; n < len; n++) {
		r = token_parse(buf, n, &tok);
		/* Cut after "atk_<id>_": the checksum's error. */
		if (n >= 4 + TOKEN_ID_CHARS + 1)
			ATF_CHECK_EQ_MSG(r, ATK_ERR_CHECKSUM, "cut at %zu", n);
		else if (n >= TOKEN_IMPORT_MIN)	/* Any other text. */
			ATF_CHECK_EQ_MSG(r, TOKEN_IMPORTED, "cut at %zu", n);
		else
			ATF_CHECK_EQ_MSG(r, ATK_ERR_SYNTAX, "cut at %zu", n);
	}
	/* A character added, or a stray one in the secret. */
	buf[len] = 'x';
	ATF_CHECK_EQ(token_parse(buf, len + 1, &tok), ATK_ERR_CHECKSUM);
	buf[len] = '\0';
	buf[40] = '.';
	ATF_CHECK_EQ(token_parse(buf, len, &tok), ATK_ERR_CHECKSUM);
	/*
	 * A token with n characters of its secret lost and n others added at
	 * the end keeps the native shape but fails the checksum.
	 */
	for (n = 1; n <= TOKEN_CHECKSUM_CHARS; n++) {
		char copy[TOKEN_NATIVE_BUFSZ + TOKEN_CHECKSUM_CHARS];

		memcpy(copy, buf, len - TOKEN_CHECKSUM_CHARS - n);
		memcpy(copy + len - TOKEN_CHECKSUM_CHARS - n,
		    buf + len - TOKEN_CHECKSUM_CHARS, TOKEN_CHECKSUM_CHARS);
		memcpy(copy + len - n, "000000", n);
		ATF_CHECK_EQ(token_parse(copy, len, &tok), ATK_ERR_CHECKSUM);
	}
}

ATF_TC_WITHOUT_HEAD(token_parse__imported_lengths);
ATF_TC_BODY(token_parse__imported_lengths, tc)
{
	char buf[TOKEN_MAX_LEN + 2];
	struct token tok;

	memset(buf, 'k', sizeof(buf));
	ATF_CHECK_EQ(token_parse(buf, 0, &tok), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_parse(buf, 15, &tok), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_parse(buf, 16, &tok), TOKEN_IMPORTED);
	ATF_CHECK_EQ(tok.kind, TOKEN_IMPORTED);
	ATF_CHECK(tok.text == buf);
	ATF_CHECK_EQ(tok.len, 16);
	ATF_CHECK_EQ(token_parse(buf, 1023, &tok), TOKEN_IMPORTED);
	ATF_CHECK_EQ(token_parse(buf, 1024, &tok), ATK_ERR_TOOLONG);
	ATF_CHECK_EQ(token_parse(buf, SIZE_MAX, &tok), ATK_ERR_TOOLONG);
	/* A Keptn token: base64 of 16 bytes. */
	ATF_CHECK_EQ(token_parse("q1w2e3r4t5y6u7i8o9p0aA==", 24, &tok),
	    TOKEN_IMPORTED);
	/* Printable punctuation and spaces are fine. */
	ATF_CHECK_EQ(token_parse("pass word !@#$%^*()", 19, &tok),
	    TOKEN_IMPORTED);
}

ATF_TC_WITHOUT_HEAD(token_parse__control_chars_and_nul);
ATF_TC_BODY(token_parse__control_chars_and_nul, tc)
{
	char buf[TOKEN_NATIVE_BUFSZ], bad[64];
	static const unsigned char evil[] = { 0, '\t', '\n', '\r', 0x1b,
	    0x7f, 0x80, 0xff };
	struct token tok;
	size_t len;

	make("atk", &tok, buf, sizeof(buf));
	len = strlen(buf);
	for (size_t e = 0; e < sizeof(evil); e++) {
		for (size_t i = 0; i < len; i += 7) {
			char c = buf[i];

			buf[i] = (char)evil[e];
			ATF_CHECK_EQ(token_parse(buf, len, &tok),
			    ATK_ERR_SYNTAX);
			buf[i] = c;
		}
		memset(bad, 'x', 40);
		bad[39] = (char)evil[e];
		ATF_CHECK_EQ(token_parse(bad, 40, &tok), ATK_ERR_SYNTAX);
	}
	/* A trailing newline is not silently dropped. */
	buf[len] = '\n';
	ATF_CHECK_EQ(token_parse(buf, len + 1, &tok), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_parse(NULL, 0, &tok), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(token_parse__near_native_shapes);
ATF_TC_BODY(token_parse__near_native_shapes, tc)
{
	static const char *const others[] = {
		"sk_live_0123456789abcdefghij",
		"ghp_0123456789abcdefghijABCDEFGHIJKLmn",
		"atk_0123456789abcdefghijABCDEF",	/* No second '_'. */
		"atk_0123456789abcdefghi_ABCDEFGHIJ",	/* 21-digit id. */
	};
	char buf[TOKEN_NATIVE_BUFSZ + 1], copy[TOKEN_NATIVE_BUFSZ + 1];
	struct token tok;
	size_t len;

	make("atk", &tok, buf, sizeof(buf));
	len = strlen(buf);
	/* Another store's prefix still parses: verify decides. */
	make("zz9", &tok, copy, sizeof(copy));
	ATF_CHECK_EQ(token_parse(copy, len, &tok), TOKEN_NATIVE);
	ATF_CHECK_STREQ(tok.prefix, "zz9");
	/* A separator replaced: no longer the native shape. */
	memcpy(copy, buf, len + 1);
	copy[3] = '-';
	ATF_CHECK_EQ(token_parse(copy, len, &tok), TOKEN_IMPORTED);
	memcpy(copy, buf, len + 1);
	copy[4 + TOKEN_ID_CHARS] = 'x';
	ATF_CHECK_EQ(token_parse(copy, len, &tok), TOKEN_IMPORTED);
	/* Upper-case prefix: not the native shape. */
	memcpy(copy, buf, len + 1);
	copy[0] = 'A';
	ATF_CHECK_EQ(token_parse(copy, len, &tok), TOKEN_IMPORTED);
	/* One character too many: a damaged native token. */
	memcpy(copy, buf, len + 1);
	copy[len] = 'x';
	ATF_CHECK_EQ(token_parse(copy, len + 1, &tok), ATK_ERR_CHECKSUM);
	/* Not the head of a native token: any other text. */
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ATF_CHECK_EQ_MSG(token_parse(others[i], strlen(others[i]),
		    &tok), TOKEN_IMPORTED, "%s", others[i]);
}

ATF_TC_WITHOUT_HEAD(token_id__format_and_parse);
ATF_TC_BODY(token_id__format_and_parse, tc)
{
	unsigned char id[TOKEN_ID_BYTES], back[TOKEN_ID_BYTES];
	char text[TOKEN_ID_BUFSZ];

	for (int i = 0; i < TOKEN_ID_BYTES; i++)
		id[i] = (unsigned char)(i * 17);
	token_id_format(id, text);
	ATF_CHECK_EQ(strlen(text), TOKEN_ID_CHARS);
	ATF_REQUIRE_EQ(token_id_parse(text, back), 0);
	ATF_CHECK(memcmp(id, back, sizeof(id)) == 0);
	ATF_CHECK_EQ(token_id_parse("", back), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_id_parse("abc", back), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_id_parse("zzzzzzzzzzzzzzzzzzzzzz", back),
	    ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_id_parse("0000000000000000000000x", back),
	    ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_id_parse("000000000000000000000-", back),
	    ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(token_id_parse("0000000000000000000000", back), 0);
}

/* The token's own fast base62 writes what lib/base62.c writes. */
ATF_TC_WITHOUT_HEAD(token_generate__same_text_as_base62);
ATF_TC_BODY(token_generate__same_text_as_base62, tc)
{
	char buf[TOKEN_NATIVE_BUFSZ], want[64], id[TOKEN_ID_BUFSZ];
	unsigned char edge[TOKEN_ID_BYTES];
	struct token tok;

	for (int i = 0; i < 500; i++) {
		make("atk", &tok, buf, sizeof(buf));
		ATF_REQUIRE_EQ(base62_encode(tok.id, TOKEN_ID_BYTES, want,
		    sizeof(want)), 0);
		ATF_CHECK(strncmp(buf + 4, want, TOKEN_ID_CHARS) == 0);
		ATF_REQUIRE_EQ(base62_encode(tok.secret, TOKEN_SECRET_BYTES,
		    want, sizeof(want)), 0);
		ATF_CHECK(strncmp(buf + 5 + TOKEN_ID_CHARS, want,
		    TOKEN_SECRET_CHARS) == 0);
	}
	memset(edge, 0xff, sizeof(edge));
	token_id_format(edge, id);
	ATF_CHECK_STREQ(id, "7n42DGM5Tflk9n8mt7Fhc7");
	memset(edge, 0, sizeof(edge));
	token_id_format(edge, id);
	ATF_CHECK_STREQ(id, "0000000000000000000000");
	token_clear(&tok);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, token_prefix_valid__rules);
	ATF_TP_ADD_TC(tp, token_generate__shape);
	ATF_TP_ADD_TC(tp, token_generate__errors);
	ATF_TP_ADD_TC(tp, token_parse__round_trip);
	ATF_TP_ADD_TC(tp, token_regenerate__keeps_id);
	ATF_TP_ADD_TC(tp, token_generate__same_text_as_base62);
	ATF_TP_ADD_TC(tp, token_parse__every_typo_rejected);
	ATF_TP_ADD_TC(tp, token_parse__every_truncation_rejected);
	ATF_TP_ADD_TC(tp, token_parse__imported_lengths);
	ATF_TP_ADD_TC(tp, token_parse__control_chars_and_nul);
	ATF_TP_ADD_TC(tp, token_parse__near_native_shapes);
	ATF_TP_ADD_TC(tp, token_id__format_and_parse);
	return atf_no_error();
}
