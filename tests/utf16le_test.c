#include "config.h"

#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "utf16le.h"

ATF_TC_WITHOUT_HEAD(utf16le_encode__ascii);
ATF_TC_BODY(utf16le_encode__ascii, tc)
{
	unsigned char out[16];
	size_t n = 99;

	ATF_REQUIRE_EQ(utf16le_encode("aB!", 3, out, sizeof(out), &n), 0);
	ATF_CHECK_EQ(n, 6);
	ATF_CHECK(memcmp(out, "a\0B\0!\0", 6) == 0);
	ATF_REQUIRE_EQ(utf16le_encode("", 0, out, 0, &n), 0);
	ATF_CHECK_EQ(n, 0);
}

ATF_TC_WITHOUT_HEAD(utf16le_encode__bmp_and_surrogates);
ATF_TC_BODY(utf16le_encode__bmp_and_surrogates, tc)
{
	/* U+00E9, U+20AC, U+FFFD, U+1F600, U+10FFFF. */
	static const char in[] = "\xc3\xa9\xe2\x82\xac\xef\xbf\xbd"
	    "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
	static const unsigned char want[] = {
		0xe9, 0x00, 0xac, 0x20, 0xfd, 0xff,
		0x3d, 0xd8, 0x00, 0xde, 0xff, 0xdb, 0xff, 0xdf,
	};
	unsigned char out[32];
	size_t n;

	ATF_REQUIRE_EQ(utf16le_encoded_len(in, sizeof(in) - 1, &n), 0);
	ATF_CHECK_EQ(n, sizeof(want));
	ATF_REQUIRE_EQ(utf16le_encode(in, sizeof(in) - 1, out, sizeof(out),
	    &n), 0);
	ATF_REQUIRE_EQ(n, sizeof(want));
	ATF_CHECK(memcmp(out, want, sizeof(want)) == 0);
}

ATF_TC_WITHOUT_HEAD(utf16le_encode__invalid_utf8);
ATF_TC_BODY(utf16le_encode__invalid_utf8, tc)
{
	static const char *const bad[] = {
		"\x80",			/* Continuation byte first. */
		"\xc3",			/* Truncated. */
		"\xe2\x82",		/* Truncated. */
		"\xc3\x41",		/* Not a continuation byte. */
		"\xc0\xaf",		/* Overlong '/'. */
		"\xe0\x80\xaf",		/* Overlong '/'. */
		"\xf0\x80\x80\xaf",	/* Overlong '/'. */
		"\xed\xa0\x80",		/* U+D800, a surrogate. */
		"\xf4\x90\x80\x80",	/* U+110000. */
		"\xf8\x88\x80\x80\x80",	/* Five bytes. */
		"\xff",
	};
	unsigned char out[32];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		ATF_CHECK_EQ_MSG(utf16le_encode(bad[i], strlen(bad[i]), out,
		    sizeof(out), &n), ATK_ERR_ENCODING, "case %zu", i);
		ATF_CHECK_EQ(n, 0);
		ATF_CHECK_EQ(utf16le_encoded_len(bad[i], strlen(bad[i]), &n),
		    ATK_ERR_ENCODING);
	}
	/* An embedded NUL is a character like any other. */
	ATF_CHECK_EQ(utf16le_encode("a\0b", 3, out, sizeof(out), &n), 0);
	ATF_CHECK_EQ(n, 6);
}

ATF_TC_WITHOUT_HEAD(utf16le_encode__too_small);
ATF_TC_BODY(utf16le_encode__too_small, tc)
{
	unsigned char out[4];
	size_t n;

	ATF_CHECK_EQ(utf16le_encode("abc", 3, out, 4, &n), ATK_ERR_INVAL);
	ATF_CHECK_EQ(n, 0);
	/* A supplementary character needs 4 bytes, not 2. */
	ATF_CHECK_EQ(utf16le_encode("\xf0\x9f\x98\x80", 4, out, 2, &n),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(utf16le_encode("ab", 2, out, 4, &n), 0);
	ATF_CHECK_EQ(n, 4);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, utf16le_encode__ascii);
	ATF_TP_ADD_TC(tp, utf16le_encode__bmp_and_surrogates);
	ATF_TP_ADD_TC(tp, utf16le_encode__invalid_utf8);
	ATF_TP_ADD_TC(tp, utf16le_encode__too_small);
	return atf_no_error();
}
