#include "config.h"

#include <stdint.h>

#include <atf-c.h>

#include "error.h"
#include "number.h"

ATF_TC_WITHOUT_HEAD(number_parse__valid);
ATF_TC_BODY(number_parse__valid, tc)
{
	uint64_t v;

	ATF_CHECK_EQ(number_parse("0", 0, 10, &v), 0);
	ATF_CHECK_EQ(v, 0);
	ATF_CHECK_EQ(number_parse("16", 1, 100, &v), 0);
	ATF_CHECK_EQ(v, 16);
	ATF_CHECK_EQ(number_parse("18446744073709551615", 0, UINT64_MAX, &v),
	    0);
	ATF_CHECK_EQ(v, UINT64_MAX);
}

ATF_TC_WITHOUT_HEAD(number_parse__syntax);
ATF_TC_BODY(number_parse__syntax, tc)
{
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "0x10", "1e3",
	    "12a", "٣" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 99;
		ATF_CHECK_EQ_MSG(number_parse(bad[i], 0, 100, &v),
		    ATK_ERR_SYNTAX, "input '%s'", bad[i]);
		ATF_CHECK_EQ(v, 0);
	}
	ATF_CHECK_EQ(number_parse(NULL, 0, 100, &v), ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(number_parse__overflow_is_not_syntax);
ATF_TC_BODY(number_parse__overflow_is_not_syntax, tc)
{
	uint64_t v;

	ATF_CHECK_EQ(number_parse("18446744073709551616", 0, UINT64_MAX, &v),
	    ATK_ERR_OVERFLOW);
	ATF_CHECK_EQ(number_parse("99999999999999999999999", 0, UINT64_MAX,
	    &v), ATK_ERR_OVERFLOW);
	ATF_CHECK_EQ(number_parse("101", 0, 100, &v), ATK_ERR_OVERFLOW);
	ATF_CHECK_EQ(number_parse("100", 0, 100, &v), 0);
	ATF_CHECK_EQ(number_parse("0", 1, 100, &v), ATK_ERR_RANGE);
	/* A letter after an overflowing prefix is still a syntax error. */
	ATF_CHECK_EQ(number_parse("99999999999999999999999x", 0, 100, &v),
	    ATK_ERR_SYNTAX);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, number_parse__valid);
	ATF_TP_ADD_TC(tp, number_parse__syntax);
	ATF_TP_ADD_TC(tp, number_parse__overflow_is_not_syntax);
	return atf_no_error();
}
