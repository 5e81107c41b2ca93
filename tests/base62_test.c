#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "base62.h"
#include "error.h"
#include "random.h"

ATF_TC_WITHOUT_HEAD(base62_encoded_len__exact_for_token_sizes);
ATF_TC_BODY(base62_encoded_len__exact_for_token_sizes, tc)
{
	ATF_CHECK_EQ(base62_encoded_len(0), 0);
	ATF_CHECK_EQ(base62_encoded_len(1), 2);	/* 255 needs 2 digits. */
	ATF_CHECK_EQ(base62_encoded_len(16), 22);
	ATF_CHECK_EQ(base62_encoded_len(32), 43);
	ATF_CHECK_EQ(base62_encoded_len(4), 6);	/* 62^5 < 2^32 <= 62^6 */
}

ATF_TC_WITHOUT_HEAD(base62_encode__known_answers);
ATF_TC_BODY(base62_encode__known_answers, tc)
{
	unsigned char zero[16], ones[16], b[4] = { 0, 0, 0, 61 };
	char out[64];

	memset(zero, 0, sizeof(zero));
	memset(ones, 0xff, sizeof(ones));
	ATF_REQUIRE_EQ(base62_encode(zero, 16, out, sizeof(out)), 0);
	ATF_CHECK_STREQ(out, "0000000000000000000000");
	/* 2^128 - 1 in base 62. */
	ATF_REQUIRE_EQ(base62_encode(ones, 16, out, sizeof(out)), 0);
	ATF_CHECK_STREQ(out, "7n42DGM5Tflk9n8mt7Fhc7");
	ATF_REQUIRE_EQ(base62_encode(b, 4, out, sizeof(out)), 0);
	ATF_CHECK_STREQ(out, "00000z");
	ATF_CHECK_EQ(base62_encode(b, 4, out, 6), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(base62_decode__round_trip_random);
ATF_TC_BODY(base62_decode__round_trip_random, tc)
{
	unsigned char in[48], back[48];
	char text[80];

	for (size_t len = 1; len <= sizeof(in); len++) {
		ATF_REQUIRE_EQ(random_buf(in, len), 0);
		ATF_REQUIRE_EQ(base62_encode(in, len, text, sizeof(text)), 0);
		ATF_CHECK_EQ(strlen(text), base62_encoded_len(len));
		ATF_REQUIRE_EQ(base62_decode(text, strlen(text), back, len), 0);
		ATF_CHECK(memcmp(in, back, len) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(base62_decode__errors);
ATF_TC_BODY(base62_decode__errors, tc)
{
	unsigned char out[16];

	ATF_CHECK_EQ(base62_decode("abc-", 4, out, 16), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(base62_decode("ab c", 4, out, 16), ATK_ERR_SYNTAX);
	/* One more than 2^128 - 1. */
	ATF_CHECK_EQ(base62_decode("7n42DGM5Tflk9n8mt7Fhc8", 22, out, 16),
	    ATK_ERR_OVERFLOW);
	ATF_CHECK_EQ(base62_decode("zzzzzzzzzzzzzzzzzzzzzz", 22, out, 16),
	    ATK_ERR_OVERFLOW);
	ATF_CHECK_EQ(base62_decode("7n42DGM5Tflk9n8mt7Fhc7", 22, out, 16), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, base62_encoded_len__exact_for_token_sizes);
	ATF_TP_ADD_TC(tp, base62_encode__known_answers);
	ATF_TP_ADD_TC(tp, base62_decode__round_trip_random);
	ATF_TP_ADD_TC(tp, base62_decode__errors);
	return atf_no_error();
}
