#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "utf16.h"

/* Decodes len bytes in pieces of step; returns the error, if any. */
static int
decode(const char *in, size_t len, size_t step, char *out, size_t *outlen,
    uint64_t *errpos)
{
	struct utf16_decoder u;
	size_t n, k, w = 0;
	int r = 0;

	utf16_decoder_init(&u);
	for (size_t i = 0; i < len && r == 0; i += k) {
		k = len - i < step ? len - i : step;
		r = utf16_decoder_update(&u, in + i, k, out + w, &n);
		w += n;
	}
	if (r == 0)
		r = utf16_decoder_final(&u);
	*outlen = w;
	*errpos = u.errpos;
	return r;
}

#define CHECK_TEXT(in, want) do {					\
	char out_[64];							\
	size_t n_;							\
	uint64_t p_;							\
	for (size_t s_ = 1; s_ <= sizeof(in); s_++) {			\
		ATF_CHECK_EQ(decode(in, sizeof(in) - 1, s_, out_, &n_,	\
		    &p_), 0);						\
		ATF_CHECK(n_ == sizeof(want) - 1 &&			\
		    memcmp(out_, want, n_) == 0);			\
	}								\
} while (0)

#define CHECK_BAD(in, pos) do {						\
	char out_[64];							\
	size_t n_;							\
	uint64_t p_;							\
	for (size_t s_ = 1; s_ <= sizeof(in); s_++) {			\
		ATF_CHECK_EQ(decode(in, sizeof(in) - 1, s_, out_, &n_,	\
		    &p_), ATK_ERR_ENCODING);				\
		ATF_CHECK_EQ(p_, pos);					\
	}								\
} while (0)

ATF_TC_WITHOUT_HEAD(utf16_decoder__text);
ATF_TC_BODY(utf16_decoder__text, tc)
{
	CHECK_TEXT("k\0" "7\0" "#\0" "Q\0", "k7#Q");
	CHECK_TEXT("\xff\xfe" "a\0", "a");
	CHECK_TEXT("\xe9\0" "\xac\x20", "\xc3\xa9\xe2\x82\xac");
	/* U+1F600 as a surrogate pair. */
	CHECK_TEXT("\x3d\xd8\x00\xde", "\xf0\x9f\x98\x80");
	CHECK_TEXT("a\0\t\0\r\0\n\0", "a\t\r\n");
	CHECK_TEXT("", "");
}

ATF_TC_WITHOUT_HEAD(utf16_decoder__not_text);
ATF_TC_BODY(utf16_decoder__not_text, tc)
{
	CHECK_BAD("a\0b", 2);
	CHECK_BAD("a\0\0\0", 2);
	CHECK_BAD("a\0\x01\0", 2);
	CHECK_BAD("a\0\x85\0", 2);
	CHECK_BAD("a\0\xff\xff", 2);
	CHECK_BAD("a\0\x00\xdc", 2);
	CHECK_BAD("a\0\x3d\xd8" "b\0", 2);
	CHECK_BAD("a\0\x3d\xd8", 2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, utf16_decoder__not_text);
	ATF_TP_ADD_TC(tp, utf16_decoder__text);
	return atf_no_error();
}
