#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "random.h"

ATF_TC_WITHOUT_HEAD(random_buf__fills_and_differs);
ATF_TC_BODY(random_buf__fills_and_differs, tc)
{
	unsigned char a[32], b[32], zero[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	ATF_REQUIRE_EQ(random_buf(a, sizeof(a)), 0);
	ATF_REQUIRE_EQ(random_buf(b, sizeof(b)), 0);
	/* 2^-256 chance of a false failure each. */
	ATF_CHECK(memcmp(a, b, sizeof(a)) != 0);
	ATF_CHECK(memcmp(a, zero, sizeof(a)) != 0);
	ATF_CHECK_EQ(random_buf(a, 0), 0);
}

ATF_TC_WITHOUT_HEAD(random_uniform__bounds);
ATF_TC_BODY(random_uniform__bounds, tc)
{
	uint32_t v;

	ATF_CHECK_EQ(random_uniform(0, &v), ATK_ERR_INVAL);
	ATF_CHECK_EQ(random_uniform(1, &v), 0);
	ATF_CHECK_EQ(v, 0);
	for (int i = 0; i < 10000; i++) {
		ATF_REQUIRE_EQ(random_uniform(87, &v), 0);
		ATF_REQUIRE(v < 87);
	}
}

/*
 * A chi-squared check that every value of a small range comes up about as
 * often: 87 buckets, 87000 draws; the 99.9999% quantile for 86 degrees of
 * freedom is about 160, so a correct generator fails once in a million runs.
 */
ATF_TC_WITHOUT_HEAD(random_uniform__no_bias);
ATF_TC_BODY(random_uniform__no_bias, tc)
{
	enum { N = 87, DRAWS = 87000 };
	unsigned int count[N];
	double chi = 0, expect = (double)DRAWS / N;
	uint32_t v;

	memset(count, 0, sizeof(count));
	for (int i = 0; i < DRAWS; i++) {
		ATF_REQUIRE_EQ(random_uniform(N, &v), 0);
		count[v]++;
	}
	for (int i = 0; i < N; i++)
		chi += (count[i] - expect) * (count[i] - expect) / expect;
	ATF_CHECK_MSG(chi < 160, "chi-squared %.1f too large", chi);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, random_buf__fills_and_differs);
	ATF_TP_ADD_TC(tp, random_uniform__bounds);
	ATF_TP_ADD_TC(tp, random_uniform__no_bias);
	return atf_no_error();
}
