#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "civil.h"
#include "error.h"
#include "rfc3339.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

struct good {
	const char	*text;
	int64_t		 t;
};

static void
check_good(const struct good *g, size_t n)
{
	int64_t t;

	for (size_t i = 0; i < n; i++) {
		t = -1;
		ATF_CHECK_EQ_MSG(rfc3339_parse(g[i].text, &t), 0, "'%s'",
		    g[i].text);
		ATF_CHECK_EQ_MSG(t, g[i].t, "'%s': %jd, not %jd", g[i].text,
		    (intmax_t)t, (intmax_t)g[i].t);
	}
}

static void
check_bad(const char *const *bad, size_t n, int want)
{
	int64_t t;

	for (size_t i = 0; i < n; i++) {
		t = 99;
		ATF_CHECK_EQ_MSG(rfc3339_parse(bad[i], &t), want, "'%s'",
		    bad[i]);
		ATF_CHECK_EQ_MSG(t, 0, "'%s' left %jd", bad[i], (intmax_t)t);
	}
}

ATF_TC_WITHOUT_HEAD(rfc3339_parse__valid);
ATF_TC_BODY(rfc3339_parse__valid, tc)
{
	static const struct good g[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1970-01-01T00:00:01Z", 1 },
		{ "9999-12-31T23:59:59Z", CIVIL_TIME_MAX },
		{ "2026-11-24T23:35:33Z", INT64_C(1795563333) },
		{ "2000-02-29T12:00:00Z", INT64_C(951825600) },
		{ "2038-01-19T03:14:07Z", INT64_C(2147483647) },
		{ "2038-01-19T03:14:08Z", INT64_C(2147483648) },
		{ "2106-02-07T06:28:16Z", INT64_C(4294967296) },
		/* Lower case and a space for the separators. */
		{ "2026-11-24t23:35:33z", INT64_C(1795563333) },
		{ "2026-11-24 23:35:33Z", INT64_C(1795563333) },
		{ "2026-11-24 23:35:33+00:00", INT64_C(1795563333) },
		/* Fractions are dropped, never rounded up. */
		{ "2026-11-24T23:35:33.999999999Z", INT64_C(1795563333) },
		{ "2026-11-24T23:35:33.0Z", INT64_C(1795563333) },
		{ "1985-04-12T23:20:50.52Z", INT64_C(482196050) },
	};

	check_good(g, ARRAY_LEN(g));
}

ATF_TC_WITHOUT_HEAD(rfc3339_parse__offsets);
ATF_TC_BODY(rfc3339_parse__offsets, tc)
{
	static const struct good g[] = {
		/* An example of RFC 3339 section 5.8, and its UTC. */
		{ "1996-12-19T16:39:57-08:00", INT64_C(851042397) },
		{ "1996-12-20T00:39:57Z", INT64_C(851042397) },
		{ "2026-11-25T01:35:33+02:00", INT64_C(1795563333) },
		{ "2026-11-24T18:05:33-05:30", INT64_C(1795563333) },
		{ "2026-11-24T23:35:33-00:00", INT64_C(1795563333) },
		{ "2026-11-25T23:34:33+23:59", INT64_C(1795563333) },
		{ "2026-11-23T23:36:33-23:59", INT64_C(1795563333) },
		/* An offset can carry a time across a day, month or year. */
		{ "1970-01-01T01:00:00+01:00", 0 },
		{ "1969-12-31T23:00:00-01:00", 0 },
		{ "9999-12-31T22:59:59-01:00", CIVIL_TIME_MAX },
	};
	int64_t t;

	check_good(g, ARRAY_LEN(g));
	/* Four-digit years only, even where the offset would bring it back. */
	ATF_CHECK_EQ(rfc3339_parse("10000-01-01T00:59:59+01:00", &t),
	    ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(rfc3339_parse__leap_second);
ATF_TC_BODY(rfc3339_parse__leap_second, tc)
{
	static const struct good g[] = {
		/* RFC 3339 5.8 examples; counted as 23:59:59 UTC. */
		{ "1990-12-31T23:59:60Z", INT64_C(662687999) },
		{ "1990-12-31T15:59:60-08:00", INT64_C(662687999) },
		{ "2016-12-31T23:59:60Z", INT64_C(1483228799) },
		{ "2015-06-30T23:59:60Z", INT64_C(1435708799) },
		{ "2024-02-29T23:59:60Z", INT64_C(1709251199) },
		{ "9999-12-31T23:59:60Z", CIVIL_TIME_MAX },
	};
	static const char *const bad[] = {
		"1990-12-30T23:59:60Z",		/* Not a month's last day. */
		"1990-12-31T23:58:60Z",
		"1990-12-31T22:59:60Z",
		"1990-12-31T23:59:60+01:00",	/* 22:59:60Z */
		"2023-02-28T23:59:61Z",
		"2024-02-28T23:59:60Z",		/* 2024 is a leap year. */
		"1991-01-01T00:00:60Z",		/* A first day, not a last. */
		"2026-03-01T12:30:60Z",
	};

	check_good(g, ARRAY_LEN(g));
	check_bad(bad, ARRAY_LEN(bad), ATK_ERR_RANGE);
}

ATF_TC_WITHOUT_HEAD(rfc3339_parse__syntax);
ATF_TC_BODY(rfc3339_parse__syntax, tc)
{
	static const char *const bad[] = {
		"",
		"2026",
		"2026-11-24",			/* Only for --expires. */
		"2026-11-24T",
		"2026-11-24T23:35",
		"2026-11-24T23:35:33",		/* No offset. */
		"2026-11-24T23:35Z",
		"2026-11-24T23:35:33Z ",
		" 2026-11-24T23:35:33Z",
		"2026-11-24T23:35:33Zx",
		"2026-11-24T23:35:33ZZ",
		"2026-11-24  23:35:33Z",
		"2026-11-24X23:35:33Z",
		"2026-11-24_23:35:33Z",
		"2026/11/24T23:35:33Z",
		"26-11-24T23:35:33Z",
		"02026-11-24T23:35:33Z",
		"+2026-11-24T23:35:33Z",
		"2026-1-24T23:35:33Z",
		"2026-11-4T23:35:33Z",
		"2026-11-24T3:35:33Z",
		"2026-11-24T23:5:33Z",
		"2026-11-24T23:35:3Z",
		"2026-11-24T23:35:33.Z",	/* A fraction needs digits. */
		"2026-11-24T23:35:33,5Z",
		"2026-11-24T23:35:33+01",
		"2026-11-24T23:35:33+0100",
		"2026-11-24T23:35:33+1:00",
		"2026-11-24T23:35:33+01:0",
		"2026-11-24T23:35:33+01:00:00",
		"2026-11-24T23:35:33 +01:00",
		"2026-11-24T23:35:33UTC",
		"2026-11-24T23:35:33GMT",
		"2026-11-24T23:35:-3Z",
		"2026-11-24T23:35:33.-5Z",
		"2026-11-24T23:35:33\nZ",
		"２026-11-24T23:35:33Z",
	};
	int64_t t = 99;

	check_bad(bad, ARRAY_LEN(bad), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(rfc3339_parse(NULL, &t), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(t, 0);
	/* Malformed and out of range: the syntax error wins. */
	ATF_CHECK_EQ(rfc3339_parse("2026-13-24T23:35:33", &t), ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(rfc3339_parse__range);
ATF_TC_BODY(rfc3339_parse__range, tc)
{
	static const char *const bad[] = {
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-01-00T00:00:00Z",
		"2026-01-32T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-02-29T00:00:00Z",		/* Not a leap year. */
		"1900-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z",
		"2024-02-30T00:00:00Z",
		"2026-11-24T24:00:00Z",
		"2026-11-24T23:60:00Z",
		"2026-11-24T23:59:61Z",
		"2026-11-24T23:59:99Z",
		"2026-11-24T23:35:33+24:00",
		"2026-11-24T23:35:33-24:00",
		"2026-11-24T23:35:33+00:60",
		"2026-11-24T23:35:33+99:99",
		/* Outside 1970..9999 in UTC. */
		"1969-12-31T23:59:59Z",
		"1937-01-01T12:00:27.87+00:20",	/* RFC 3339 5.8. */
		"0000-01-01T00:00:00Z",
		"1970-01-01T00:00:00+00:01",
		"1970-01-01T00:59:59+01:00",
		"9999-12-31T23:59:59-00:01",
	};

	check_bad(bad, ARRAY_LEN(bad), ATK_ERR_RANGE);
}

ATF_TC_WITHOUT_HEAD(rfc3339_parse__leap_years);
ATF_TC_BODY(rfc3339_parse__leap_years, tc)
{
	int64_t a, b;

	ATF_REQUIRE_EQ(rfc3339_parse("2000-02-29T00:00:00Z", &a), 0);
	ATF_REQUIRE_EQ(rfc3339_parse("2000-03-01T00:00:00Z", &b), 0);
	ATF_CHECK_EQ(b - a, CIVIL_SECS_PER_DAY);
	ATF_REQUIRE_EQ(rfc3339_parse("2100-02-28T00:00:00Z", &a), 0);
	ATF_REQUIRE_EQ(rfc3339_parse("2100-03-01T00:00:00Z", &b), 0);
	ATF_CHECK_EQ(b - a, CIVIL_SECS_PER_DAY);
	ATF_REQUIRE_EQ(rfc3339_parse("2024-01-01T00:00:00Z", &a), 0);
	ATF_REQUIRE_EQ(rfc3339_parse("2025-01-01T00:00:00Z", &b), 0);
	ATF_CHECK_EQ(b - a, 366 * CIVIL_SECS_PER_DAY);
}

ATF_TC_WITHOUT_HEAD(rfc3339_format__known);
ATF_TC_BODY(rfc3339_format__known, tc)
{
	char buf[RFC3339_BUFSZ];

	ATF_CHECK_EQ(rfc3339_format(0, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "1970-01-01T00:00:00Z");
	ATF_CHECK_EQ(rfc3339_format(INT64_C(1795563333), buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "2026-11-24T23:35:33Z");
	ATF_CHECK_EQ(rfc3339_format(CIVIL_TIME_MAX, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "9999-12-31T23:59:59Z");
	ATF_CHECK_EQ(rfc3339_format(INT64_C(951825600), buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "2000-02-29T12:00:00Z");
}

ATF_TC_WITHOUT_HEAD(rfc3339_format__errors);
ATF_TC_BODY(rfc3339_format__errors, tc)
{
	char buf[RFC3339_BUFSZ];

	memset(buf, 'x', sizeof(buf));
	ATF_CHECK_EQ(rfc3339_format(-1, buf, sizeof(buf)), ATK_ERR_RANGE);
	ATF_CHECK_STREQ(buf, "");
	ATF_CHECK_EQ(rfc3339_format(CIVIL_TIME_MAX + 1, buf, sizeof(buf)),
	    ATK_ERR_RANGE);
	ATF_CHECK_EQ(rfc3339_format(INT64_MIN, buf, sizeof(buf)),
	    ATK_ERR_RANGE);
	ATF_CHECK_EQ(rfc3339_format(INT64_MAX, buf, sizeof(buf)),
	    ATK_ERR_RANGE);
	/* Exactly enough room, and one byte less. */
	ATF_CHECK_EQ(rfc3339_format(0, buf, RFC3339_LEN + 1), 0);
	ATF_CHECK_STREQ(buf, "1970-01-01T00:00:00Z");
	ATF_CHECK_EQ(rfc3339_format(0, buf, RFC3339_LEN), ATK_ERR_INVAL);
	ATF_CHECK_EQ(rfc3339_format(0, NULL, 0), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(rfc3339__round_trip);
ATF_TC_BODY(rfc3339__round_trip, tc)
{
	static const char *const z[] = {
		"1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z",
		"2000-01-01T00:00:00Z", "2024-02-29T23:59:59Z",
		"2100-03-01T00:00:00Z", "2400-02-29T12:34:56Z",
		"9999-12-31T23:59:59Z",
	};
	char buf[RFC3339_BUFSZ];
	int64_t t, back;

	/* format(parse(x)) == x for UTC text. */
	for (size_t i = 0; i < ARRAY_LEN(z); i++) {
		ATF_REQUIRE_EQ(rfc3339_parse(z[i], &t), 0);
		ATF_REQUIRE_EQ(rfc3339_format(t, buf, sizeof(buf)), 0);
		ATF_CHECK_STREQ(buf, z[i]);
	}
	/* parse(format(t)) == t across the whole range. */
	for (t = 0; t <= CIVIL_TIME_MAX; t += INT64_C(99991) * 7) {
		ATF_REQUIRE_EQ(rfc3339_format(t, buf, sizeof(buf)), 0);
		ATF_REQUIRE_EQ(rfc3339_parse(buf, &back), 0);
		ATF_REQUIRE_EQ_MSG(back, t, "%s", buf);
	}
	for (t = CIVIL_TIME_MAX - 100000; t <= CIVIL_TIME_MAX; t++) {
		ATF_REQUIRE_EQ(rfc3339_format(t, buf, sizeof(buf)), 0);
		ATF_REQUIRE_EQ(rfc3339_parse(buf, &back), 0);
		ATF_REQUIRE_EQ_MSG(back, t, "%s", buf);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc3339_parse__valid);
	ATF_TP_ADD_TC(tp, rfc3339_parse__offsets);
	ATF_TP_ADD_TC(tp, rfc3339_parse__leap_second);
	ATF_TP_ADD_TC(tp, rfc3339_parse__syntax);
	ATF_TP_ADD_TC(tp, rfc3339_parse__range);
	ATF_TP_ADD_TC(tp, rfc3339_parse__leap_years);
	ATF_TP_ADD_TC(tp, rfc3339_format__known);
	ATF_TP_ADD_TC(tp, rfc3339_format__errors);
	ATF_TP_ADD_TC(tp, rfc3339__round_trip);
	return atf_no_error();
}
