#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "textin.h"

/* All text of len bytes fed in pieces of step. */
static int
text_of(const char *in, size_t len, size_t step, char *out, size_t *outlen,
    struct textin *t)
{
	const unsigned char *p, *text;
	unsigned char scratch[3];
	size_t left, k, tlen, w = 0;
	int r = 0;

	textin_init(t);
	for (size_t i = 0; i < len && r == 0; i += k) {
		k = len - i < step ? len - i : step;
		p = (const unsigned char *)in + i;
		left = k;
		while (left > 0 && r == 0) {
			r = textin_next(t, &p, &left, &text, &tlen, scratch,
			    sizeof(scratch));
			if (tlen > 0)
				memcpy(out + w, text, tlen);
			w += tlen;
		}
	}
	if (r == 0) {
		r = textin_final(t, &text, &tlen);
		if (tlen > 0)
			memcpy(out + w, text, tlen);
		w += tlen;
	}
	*outlen = w;
	return r;
}

static void
check(const char *in, size_t len, const char *want, size_t wantlen,
    size_t bom, uint64_t off, uint64_t origoff)
{
	struct textin t;
	char out[64];
	size_t n;

	for (size_t step = 1; step <= len + 1; step++) {
		ATF_CHECK_EQ(text_of(in, len, step, out, &n, &t), 0);
		ATF_CHECK(n == wantlen && memcmp(out, want, n) == 0);
		ATF_CHECK_EQ(t.bom, bom);
		ATF_CHECK_EQ(textin_offset(&t, off), origoff);
	}
}

static void
check_bad(const char *in, size_t len, uint64_t pos)
{
	struct textin t;
	char out[64];
	size_t n;

	for (size_t step = 1; step <= len + 1; step++) {
		ATF_CHECK_EQ(text_of(in, len, step, out, &n, &t),
		    ATK_ERR_ENCODING);
		ATF_CHECK_EQ(t.errpos, pos);
	}
}

#define CHECK(in, want, bom, off, orig) check(in, sizeof(in) - 1, want, \
	sizeof(want) - 1, bom, off, orig)
#define CHECK_BAD(in, pos)	check_bad(in, sizeof(in) - 1, pos)

ATF_TC_WITHOUT_HEAD(textin_next__marks);
ATF_TC_BODY(textin_next__marks, tc)
{
	CHECK("YWFh", "YWFh", 0, 2, 2);
	CHECK("", "", 0, 0, 0);
	CHECK("Y", "Y", 0, 0, 0);
	CHECK("\xef\xbb", "\xef\xbb", 0, 1, 1);
	CHECK("\xef\xbb\xbfYWFh", "YWFh", 3, 2, 5);
	CHECK("\xff\xfeY\0W\0F\0h\0", "YWFh", 2, 2, 6);
	CHECK("\xff\xfe", "", 2, 0, 2);
	CHECK("\xff" "a", "\xff" "a", 0, 1, 1);
}

ATF_TC_WITHOUT_HEAD(textin_next__bad_utf16);
ATF_TC_BODY(textin_next__bad_utf16, tc)
{
	CHECK_BAD("\xff\xfeY\0W", 4);
	CHECK_BAD("\xff\xfeY\0W\x01", 4);
	CHECK_BAD("\xff\xfeY\0\x80\0", 4);
	CHECK_BAD("\xfe\xff\0Y", 0);
}

ATF_TC_WITHOUT_HEAD(textin_whole__powershell);
ATF_TC_BODY(textin_whole__powershell, tc)
{
	/* "ab", CR, LF as Set-Content writes them: FF FE, then UTF-16LE. */
	static const unsigned char u16[] = { 0xff, 0xfe, 'a', 0, 'b', 0,
	    '\r', 0, '\n', 0 };
	static const unsigned char u8[] = { 0xef, 0xbb, 0xbf, 'a', 'b', '\r',
	    '\n' };
	static const unsigned char bad[] = { 0xff, 0xfe, 'a', 0, 0xe9, 0 };
	static const unsigned char odd[] = { 0xff, 0xfe, 'a', 0, 'b' };
	static const unsigned char be[] = { 0xfe, 0xff, 0, 'a' };
	char out[8];
	size_t n;

	ATF_CHECK_EQ(textin_whole(u16, sizeof(u16), out, sizeof(out), &n), 0);
	ATF_CHECK(n == 4 && memcmp(out, "ab\r\n", 4) == 0);
	ATF_CHECK_EQ(textin_whole(u8, sizeof(u8), out, sizeof(out), &n), 0);
	ATF_CHECK(n == 4 && memcmp(out, "ab\r\n", 4) == 0);
	ATF_CHECK_EQ(textin_whole("abc", 3, out, sizeof(out), &n), 0);
	ATF_CHECK(n == 3 && memcmp(out, "abc", 3) == 0);
	/* Short inputs that could have begun a mark are text. */
	ATF_CHECK_EQ(textin_whole("\xef", 1, out, sizeof(out), &n), 0);
	ATF_CHECK(n == 1 && out[0] == '\xef');
	ATF_CHECK_EQ(textin_whole("", 0, out, sizeof(out), &n), 0);
	ATF_CHECK_EQ(n, 0);
	ATF_CHECK_EQ(textin_whole(bad, sizeof(bad), out, sizeof(out), &n),
	    ATK_ERR_ENCODING);
	ATF_CHECK_EQ(textin_whole(odd, sizeof(odd), out, sizeof(out), &n),
	    ATK_ERR_ENCODING);
	ATF_CHECK_EQ(textin_whole(be, sizeof(be), out, sizeof(out), &n),
	    ATK_ERR_ENCODING);
	/* Exactly full, and one more. */
	ATF_CHECK_EQ(textin_whole(u16, sizeof(u16), out, 4, &n), 0);
	ATF_CHECK_EQ(n, 4);
	ATF_CHECK_EQ(textin_whole(u16, sizeof(u16), out, 3, &n),
	    ATK_ERR_TOOLONG);
	ATF_CHECK_EQ(textin_whole(u8, sizeof(u8), out, 3, &n),
	    ATK_ERR_TOOLONG);
	ATF_CHECK_EQ(textin_whole("abcd", 4, out, 3, &n), ATK_ERR_TOOLONG);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, textin_whole__powershell);
	ATF_TP_ADD_TC(tp, textin_next__bad_utf16);
	ATF_TP_ADD_TC(tp, textin_next__marks);
	return atf_no_error();
}
