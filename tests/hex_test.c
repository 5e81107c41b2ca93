#include "config.h"

#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "hex.h"

ATF_TC_WITHOUT_HEAD(hex_encode__known_answers);
ATF_TC_BODY(hex_encode__known_answers, tc)
{
	unsigned char in[256];
	char out[2 * sizeof(in) + 1];

	ATF_REQUIRE_EQ(hex_encode("", 0, out, 1), 0);
	ATF_CHECK_STREQ(out, "");
	ATF_REQUIRE_EQ(hex_encode("\x00\x01\xab\xff", 4, out, 9), 0);
	ATF_CHECK_STREQ(out, "0001abff");
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	ATF_REQUIRE_EQ(hex_encode(in, sizeof(in), out, sizeof(out)), 0);
	ATF_CHECK_EQ(strlen(out), 512);
	ATF_CHECK(strncmp(out, "000102030405060708090a0b0c0d0e0f10", 34) == 0);
	ATF_CHECK_STREQ(out + 500, "fafbfcfdfeff");
}

ATF_TC_WITHOUT_HEAD(hex_encode__too_small);
ATF_TC_BODY(hex_encode__too_small, tc)
{
	char out[8];

	memset(out, 'x', sizeof(out));
	/* Two characters and a NUL need 3 bytes. */
	ATF_CHECK_EQ(hex_encode("a", 1, out, 2), ATK_ERR_INVAL);
	ATF_CHECK_EQ(out[0], 'x');
	ATF_CHECK_EQ(hex_encode("", 0, out, 0), ATK_ERR_INVAL);
	/* 2 * len + 1 would wrap around. */
	ATF_CHECK_EQ(hex_encode("a", (size_t)-1 / 2 + 1, out, sizeof(out)),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(hex_encode("a", 1, out, 3), 0);
	ATF_CHECK_STREQ(out, "61");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, hex_encode__known_answers);
	ATF_TP_ADD_TC(tp, hex_encode__too_small);
	return atf_no_error();
}
