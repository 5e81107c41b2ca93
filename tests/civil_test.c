#include "config.h"

#include <stdint.h>

#include <atf-c.h>

#include "civil.h"
#include "error.h"

ATF_TC_WITHOUT_HEAD(civil_is_leap__gregorian_rules);
ATF_TC_BODY(civil_is_leap__gregorian_rules, tc)
{
	ATF_CHECK(civil_is_leap(2024));
	ATF_CHECK(civil_is_leap(2000));		/* Divisible by 400. */
	ATF_CHECK(!civil_is_leap(1900));	/* By 100, not by 400. */
	ATF_CHECK(!civil_is_leap(2100));
	ATF_CHECK(!civil_is_leap(2026));
	ATF_CHECK(civil_is_leap(1972));
	ATF_CHECK(!civil_is_leap(9999));
}

ATF_TC_WITHOUT_HEAD(civil_days_in_month__all);
ATF_TC_BODY(civil_days_in_month__all, tc)
{
	static const int nonleap[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	for (int m = 1; m <= 12; m++) {
		ATF_CHECK_EQ(civil_days_in_month(2026, m), nonleap[m - 1]);
		ATF_CHECK_EQ(civil_days_in_month(2024, m),
		    m == 2 ? 29 : nonleap[m - 1]);
	}
	ATF_CHECK_EQ(civil_days_in_month(2000, 2), 29);
	ATF_CHECK_EQ(civil_days_in_month(1900, 2), 28);
	ATF_CHECK_EQ(civil_days_in_month(2026, 0), 0);
	ATF_CHECK_EQ(civil_days_in_month(2026, 13), 0);
}

ATF_TC_WITHOUT_HEAD(civil_days_from_date__known);
ATF_TC_BODY(civil_days_from_date__known, tc)
{
	ATF_CHECK_EQ(civil_days_from_date(1970, 1, 1), 0);
	ATF_CHECK_EQ(civil_days_from_date(1970, 1, 2), 1);
	ATF_CHECK_EQ(civil_days_from_date(1969, 12, 31), -1);
	ATF_CHECK_EQ(civil_days_from_date(2000, 3, 1), 11017);
	ATF_CHECK_EQ(civil_days_from_date(2038, 1, 19), 24855);
	ATF_CHECK_EQ(civil_days_from_date(9999, 12, 31), 2932896);
	ATF_CHECK_EQ(civil_days_from_date(0, 3, 1), -719468);
}

/*
 * Walk day by day from 0000-01-01 to 9999-12-31 with a naive calendar and
 * check both directions at every step.
 */
ATF_TC_WITHOUT_HEAD(civil_days_from_date__every_day);
ATF_TC_BODY(civil_days_from_date__every_day, tc)
{
	int64_t days, year, y;
	int m, d, mm, dd, bad = 0;

	days = civil_days_from_date(0, 1, 1);
	for (year = 0; year <= 9999; year++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= civil_days_in_month(year, m); d++) {
				if (civil_days_from_date(year, m, d) != days)
					bad++;
				civil_date_from_days(days, &y, &mm, &dd);
				if (y != year || mm != m || dd != d)
					bad++;
				days++;
			}
	ATF_CHECK_EQ_MSG(bad, 0, "%d days disagree", bad);
	ATF_CHECK_EQ(days, civil_days_from_date(10000, 1, 1));
}

ATF_TC_WITHOUT_HEAD(civil_to_time__range);
ATF_TC_BODY(civil_to_time__range, tc)
{
	struct civil_time ct = { 1970, 1, 1, 0, 0, 0 };
	int64_t t;

	ATF_CHECK_EQ(civil_to_time(&ct, &t), 0);
	ATF_CHECK_EQ(t, 0);
	ct = (struct civil_time){ 9999, 12, 31, 23, 59, 59 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), 0);
	ATF_CHECK_EQ(t, CIVIL_TIME_MAX);
	ct = (struct civil_time){ 1969, 12, 31, 23, 59, 59 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 10000, 1, 1, 0, 0, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 2, 29, 0, 0, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 13, 1, 0, 0, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 1, 1, 24, 0, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 1, 1, 0, 60, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 1, 1, 0, 0, 60 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 1, 0, 0, 0, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
	ct = (struct civil_time){ 2026, 1, 1, -1, 0, 0 };
	ATF_CHECK_EQ(civil_to_time(&ct, &t), ATK_ERR_RANGE);
}

ATF_TC_WITHOUT_HEAD(civil_from_time__round_trip);
ATF_TC_BODY(civil_from_time__round_trip, tc)
{
	struct civil_time ct;
	int64_t t, back;

	/* A step prime to 60, 3600 and 86400 so every field moves. */
	for (t = 0; t <= CIVIL_TIME_MAX; t += 7919 * 9973) {
		ATF_REQUIRE_EQ(civil_from_time(t, &ct), 0);
		ATF_REQUIRE_EQ(civil_to_time(&ct, &back), 0);
		ATF_REQUIRE_EQ(back, t);
	}
	ATF_CHECK_EQ(civil_from_time(CIVIL_TIME_MAX, &ct), 0);
	ATF_CHECK(ct.year == 9999 && ct.month == 12 && ct.day == 31 &&
	    ct.hour == 23 && ct.minute == 59 && ct.second == 59);
	ATF_CHECK_EQ(civil_from_time(-1, &ct), ATK_ERR_RANGE);
	ATF_CHECK_EQ(civil_from_time(CIVIL_TIME_MAX + 1, &ct), ATK_ERR_RANGE);
	ATF_CHECK_EQ(civil_from_time(INT64_MAX, &ct), ATK_ERR_RANGE);
	ATF_CHECK_EQ(civil_from_time(INT64_MIN, &ct), ATK_ERR_RANGE);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, civil_is_leap__gregorian_rules);
	ATF_TP_ADD_TC(tp, civil_days_in_month__all);
	ATF_TP_ADD_TC(tp, civil_days_from_date__known);
	ATF_TP_ADD_TC(tp, civil_days_from_date__every_day);
	ATF_TP_ADD_TC(tp, civil_to_time__range);
	ATF_TP_ADD_TC(tp, civil_from_time__round_trip);
	return atf_no_error();
}
