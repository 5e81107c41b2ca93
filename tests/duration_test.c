#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "civil.h"
#include "duration.h"
#include "error.h"
#include "rfc3339.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static int64_t
at(const char *text)
{
	int64_t t;

	ATF_REQUIRE_EQ_MSG(rfc3339_parse(text, &t), 0, "'%s'", text);
	return t;
}

static int
same(const struct duration *a, const struct duration *b)
{
	return a->years == b->years && a->months == b->months &&
	    a->weeks == b->weeks && a->days == b->days &&
	    a->hours == b->hours && a->minutes == b->minutes &&
	    a->seconds == b->seconds;
}

static int
is_zero(const struct duration *d)
{
	static const struct duration zero;

	return same(d, &zero);
}

/* text + duration from start, as RFC 3339 UTC text. */
static void
check_add(const char *start, const char *dur, const char *want)
{
	struct duration d;
	char buf[RFC3339_BUFSZ];
	int64_t t;

	ATF_REQUIRE_EQ_MSG(duration_parse(dur, &d), 0, "'%s'", dur);
	ATF_REQUIRE_EQ_MSG(duration_add(at(start), &d, &t), 0, "%s + %s",
	    start, dur);
	ATF_REQUIRE_EQ(rfc3339_format(t, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ_MSG(buf, want, "%s + %s", start, dur);
}

static void
check_add_error(int64_t t, const char *dur, int want)
{
	struct duration d;
	int64_t out = 99;

	ATF_REQUIRE_EQ_MSG(duration_parse(dur, &d), 0, "'%s'", dur);
	ATF_CHECK_EQ_MSG(duration_add(t, &d, &out), want, "%jd + %s",
	    (intmax_t)t, dur);
	ATF_CHECK_EQ(out, 0);
}

ATF_TC_WITHOUT_HEAD(duration_parse__valid);
ATF_TC_BODY(duration_parse__valid, tc)
{
	static const struct {
		const char	*text;
		struct duration	 d;
	} good[] = {
		{ "P1Y", { .years = 1 } },
		{ "P3M", { .months = 3 } },
		{ "P2W", { .weeks = 2 } },
		{ "P1DT12H", { .days = 1, .hours = 12 } },
		{ "PT30M", { .minutes = 30 } },
		{ "P1Y2M3DT4H5M6S", { 1, 2, 0, 3, 4, 5, 6 } },
		{ "PT1H", { .hours = 1 } },
		{ "PT1S", { .seconds = 1 } },
		{ "P1M", { .months = 1 } },
		{ "PT1M", { .minutes = 1 } },
		{ "P1MT1M", { .months = 1, .minutes = 1 } },
		/* ISO 8601 lets any component be left out. */
		{ "P1Y2D", { .years = 1, .days = 2 } },
		{ "P1YT1S", { .years = 1, .seconds = 1 } },
		{ "P1DT1H1S", { .days = 1, .hours = 1, .seconds = 1 } },
		{ "P0D", { 0 } },
		{ "PT0S", { 0 } },
		{ "P007D", { .days = 7 } },
		{ "P4294967295Y", { .years = UINT32_MAX } },
		{ "P4294967295M", { .months = UINT32_MAX } },
		{ "P4294967295W", { .weeks = UINT32_MAX } },
		{ "P4294967295D", { .days = UINT32_MAX } },
		{ "PT18446744073709551615H", { .hours = UINT64_MAX } },
		{ "PT18446744073709551615M", { .minutes = UINT64_MAX } },
		{ "PT18446744073709551615S", { .seconds = UINT64_MAX } },
	};
	struct duration d;

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		memset(&d, 0xa5, sizeof(d));
		ATF_CHECK_EQ_MSG(duration_parse(good[i].text, &d), 0, "'%s'",
		    good[i].text);
		ATF_CHECK_MSG(same(&d, &good[i].d), "'%s' parsed wrong",
		    good[i].text);
	}
}

ATF_TC_WITHOUT_HEAD(duration_parse__syntax);
ATF_TC_BODY(duration_parse__syntax, tc)
{
	static const char *const bad[] = {
		"", "P", "PT", "P1YT", "P1DT", "T1H", "1D", "1Y",
		/* Order, repetition, misplaced designators. */
		"P1M1Y", "P1D1M", "P1Y1Y", "P1D2D", "PT1M1H", "PT1S1M",
		"PT1H1H", "P1H", "P1S", "PT1D", "PT1Y", "PT1W", "P1DT1HT1M",
		"PTT1H", "P1TD", "P1", "PT1", "P1YM", "PY", "PTH", "P1Y1",
		/* Weeks alone only. */
		"P1W2D", "P1Y2W", "P2W1D", "P2WT1H", "P1W1W", "P1M2W",
		/* Signs, spaces, case, fractions. */
		"-P1D", "+P1D", "P-1D", "P+1D", "P1D-", " P1D", "P1D ",
		"P 1D", "P1 D", "P1D\n", "p1d", "P1d", "p1D", "Pt1H",
		"PT1h", "P1w", "PT0.5S", "PT0,5S", "P0.5Y", "P1.0D", "PT.5S",
		"PT1E3S", "P0x10D",
		/* Other ISO 8601 forms we do not take. */
		"P0001-02-03T04:05:06", "P1Y2M3DT4H5M6S/", "R5/P1D",
		"P1D2", "P1Dx", "P1D\xc2\xa0", ("P\xd9\xa3" "D"),
		"never", "1 day",
	};
	struct duration d;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&d, 0xa5, sizeof(d));
		ATF_CHECK_EQ_MSG(duration_parse(bad[i], &d), ATK_ERR_SYNTAX,
		    "'%s'", bad[i]);
		ATF_CHECK_MSG(is_zero(&d), "'%s' left a value", bad[i]);
	}
	ATF_CHECK_EQ(duration_parse(NULL, &d), ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(duration_parse__overflow);
ATF_TC_BODY(duration_parse__overflow, tc)
{
	static const char *const big[] = {
		"P4294967296Y", "P4294967296M", "P4294967296W",
		"P4294967296D", "PT18446744073709551616H",
		"PT18446744073709551616M", "PT18446744073709551616S",
		"P99999999999999999999999999999999Y",
		"PT99999999999999999999999999999999S",
		"P1Y4294967296D", "P4294967296YT1S",
	};
	struct duration d;

	for (size_t i = 0; i < ARRAY_LEN(big); i++) {
		memset(&d, 0xa5, sizeof(d));
		ATF_CHECK_EQ_MSG(duration_parse(big[i], &d), ATK_ERR_OVERFLOW,
		    "'%s'", big[i]);
		ATF_CHECK_MSG(is_zero(&d), "'%s' left a value", big[i]);
	}
	/* Too big and malformed: the syntax error wins. */
	ATF_CHECK_EQ(duration_parse("P99999999999999999999999Yx", &d),
	    ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(duration_parse("P4294967296Y1Y", &d), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(duration_parse("P4294967296W1D", &d), ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(duration_add__fixed);
ATF_TC_BODY(duration_add__fixed, tc)
{
	check_add("2026-11-24T23:35:33Z", "PT30M", "2026-11-25T00:05:33Z");
	check_add("2026-11-24T23:35:33Z", "P1DT12H", "2026-11-26T11:35:33Z");
	check_add("2026-11-24T23:35:33Z", "P2W", "2026-12-08T23:35:33Z");
	check_add("2026-11-24T23:35:33Z", "PT27S", "2026-11-24T23:36:00Z");
	check_add("2026-11-24T23:35:33Z", "PT86400S", "2026-11-25T23:35:33Z");
	check_add("2026-11-24T23:35:33Z", "PT1440M", "2026-11-25T23:35:33Z");
	check_add("2026-11-24T23:35:33Z", "P0D", "2026-11-24T23:35:33Z");
	check_add("2024-02-28T12:00:00Z", "P1D", "2024-02-29T12:00:00Z");
	check_add("2026-02-28T12:00:00Z", "P1D", "2026-03-01T12:00:00Z");
	check_add("2026-12-31T23:59:59Z", "PT1S", "2027-01-01T00:00:00Z");
	check_add("1970-01-01T00:00:00Z", "P365D", "1971-01-01T00:00:00Z");
	/* No DST in UTC: the last Sunday of March is 24 hours long. */
	check_add("2026-03-28T12:00:00Z", "P1D", "2026-03-29T12:00:00Z");
	check_add("2026-03-29T00:00:00Z", "PT24H", "2026-03-30T00:00:00Z");
}

ATF_TC_WITHOUT_HEAD(duration_add__calendar);
ATF_TC_BODY(duration_add__calendar, tc)
{
	/* Month ends clamp to the last day of the target month. */
	check_add("2026-01-31T10:00:00Z", "P1M", "2026-02-28T10:00:00Z");
	check_add("2024-01-31T10:00:00Z", "P1M", "2024-02-29T10:00:00Z");
	check_add("2000-01-31T10:00:00Z", "P1M", "2000-02-29T10:00:00Z");
	check_add("2100-01-31T10:00:00Z", "P1M", "2100-02-28T10:00:00Z");
	check_add("2026-03-31T00:00:00Z", "P1M", "2026-04-30T00:00:00Z");
	check_add("2026-05-31T00:00:00Z", "P1M", "2026-06-30T00:00:00Z");
	check_add("2026-01-30T00:00:00Z", "P1M", "2026-02-28T00:00:00Z");
	check_add("2026-01-28T00:00:00Z", "P1M", "2026-02-28T00:00:00Z");
	check_add("2026-02-28T00:00:00Z", "P1M", "2026-03-28T00:00:00Z");
	check_add("2026-01-31T00:00:00Z", "P3M", "2026-04-30T00:00:00Z");
	/* Months first, then days: Jan 31 + P1M1D = Feb 28 + 1 day. */
	check_add("2026-01-31T00:00:00Z", "P1M1D", "2026-03-01T00:00:00Z");
	check_add("2026-01-31T00:00:00Z", "P1MT24H", "2026-03-01T00:00:00Z");
	/* Year rollover. */
	check_add("2026-12-15T08:00:00Z", "P1M", "2027-01-15T08:00:00Z");
	check_add("2026-12-31T08:00:00Z", "P2M", "2027-02-28T08:00:00Z");
	check_add("2026-11-30T00:00:00Z", "P13M", "2027-12-30T00:00:00Z");
	check_add("2026-01-01T00:00:00Z", "P12M", "2027-01-01T00:00:00Z");
	check_add("2026-01-01T00:00:00Z", "P24M", "2028-01-01T00:00:00Z");
	/* Leap days: 2000 is leap, 1900 and 2100 are not. */
	check_add("2024-02-29T12:00:00Z", "P1Y", "2025-02-28T12:00:00Z");
	check_add("2024-02-29T12:00:00Z", "P4Y", "2028-02-29T12:00:00Z");
	check_add("2096-02-29T12:00:00Z", "P4Y", "2100-02-28T12:00:00Z");
	check_add("1996-02-29T12:00:00Z", "P4Y", "2000-02-29T12:00:00Z");
	check_add("2024-02-29T12:00:00Z", "P12M", "2025-02-28T12:00:00Z");
	check_add("2023-02-28T12:00:00Z", "P1Y", "2024-02-28T12:00:00Z");
	check_add("2024-02-29T00:00:00Z", "P365D", "2025-02-28T00:00:00Z");
	check_add("2024-01-01T00:00:00Z", "P1Y", "2025-01-01T00:00:00Z");
	check_add("2026-11-24T23:35:33Z", "P1Y2M3DT4H5M6S",
	    "2028-01-28T03:40:39Z");
	check_add("1970-01-01T00:00:00Z", "P8029Y11M30DT23H59M59S",
	    "9999-12-31T23:59:59Z");
}

ATF_TC_WITHOUT_HEAD(duration_add__overflow);
ATF_TC_BODY(duration_add__overflow, tc)
{
	int64_t t0 = at("2026-11-24T23:35:33Z"), out;
	struct duration d;

	/* Up to 9999-12-31T23:59:59Z and no further. */
	check_add("9998-12-31T23:59:59Z", "P1Y", "9999-12-31T23:59:59Z");
	check_add_error(at("9999-01-01T00:00:00Z"), "P1Y", ATK_ERR_OVERFLOW);
	check_add_error(at("9999-12-01T00:00:00Z"), "P1M", ATK_ERR_OVERFLOW);
	check_add("9999-12-30T23:59:59Z", "P1D", "9999-12-31T23:59:59Z");
	check_add_error(at("9999-12-31T00:00:00Z"), "P1D", ATK_ERR_OVERFLOW);
	check_add_error(CIVIL_TIME_MAX, "PT1S", ATK_ERR_OVERFLOW);
	check_add("9999-12-31T23:59:58Z", "PT1S", "9999-12-31T23:59:59Z");
	check_add("1970-01-01T00:00:00Z", "PT253402300799S",
	    "9999-12-31T23:59:59Z");
	check_add_error(0, "PT253402300800S", ATK_ERR_OVERFLOW);
	check_add_error(0, "P8030Y", ATK_ERR_OVERFLOW);
	check_add_error(0, "P8029Y12M", ATK_ERR_OVERFLOW);
	check_add_error(0, "P8029Y11M30DT23H59M60S", ATK_ERR_OVERFLOW);
	/* Each component at its maximum. */
	check_add_error(t0, "P4294967295Y", ATK_ERR_OVERFLOW);
	check_add_error(t0, "P4294967295M", ATK_ERR_OVERFLOW);
	check_add_error(t0, "P4294967295Y4294967295M", ATK_ERR_OVERFLOW);
	check_add_error(t0, "P4294967295W", ATK_ERR_OVERFLOW);
	check_add_error(t0, "P4294967295D", ATK_ERR_OVERFLOW);
	check_add_error(t0, "PT18446744073709551615H", ATK_ERR_OVERFLOW);
	check_add_error(t0, "PT18446744073709551615M", ATK_ERR_OVERFLOW);
	check_add_error(t0, "PT18446744073709551615S", ATK_ERR_OVERFLOW);
	check_add_error(t0, "PT9223372036854775807S", ATK_ERR_OVERFLOW);
	check_add_error(t0, "PT9223372036854775807H", ATK_ERR_OVERFLOW);
	/* A start outside the range is refused as such. */
	check_add_error(-1, "PT1S", ATK_ERR_RANGE);
	check_add_error(CIVIL_TIME_MAX + 1, "P0D", ATK_ERR_RANGE);
	check_add_error(INT64_MAX, "P0D", ATK_ERR_RANGE);
	check_add_error(INT64_MIN, "P1Y", ATK_ERR_RANGE);
	/* A hand-made duration with everything at its maximum. */
	memset(&d, 0xff, sizeof(d));
	ATF_CHECK_EQ(duration_add(t0, &d, &out), ATK_ERR_OVERFLOW);
	d = (struct duration){ .seconds = UINT64_MAX };
	ATF_CHECK_EQ(duration_add(0, &d, &out), ATK_ERR_OVERFLOW);
}

ATF_TC_WITHOUT_HEAD(duration_seconds__fixed);
ATF_TC_BODY(duration_seconds__fixed, tc)
{
	static const struct {
		const char	*text;
		int64_t		 secs;
	} good[] = {
		{ "PT0S", 0 },
		{ "P0D", 0 },
		{ "PT30M", 1800 },
		{ "P1DT12H", 129600 },
		{ "P2W", 1209600 },
		{ "P1DT1H1M1S", 90061 },
		{ "P0Y0MT1S", 1 },		/* Zero years are no years. */
		{ "PT9223372036854775807S", INT64_MAX },
		{ "PT2562047788015215H", INT64_C(9223372036854774000) },
		{ "PT2562047788015215H1807S", INT64_MAX },
		{ "PT153722867280912930M", INT64_C(9223372036854775800) },
		{ "P4294967295W", INT64_C(4294967295) * 604800 },
		{ "P4294967295D", INT64_C(4294967295) * 86400 },
	};
	static const char *const big[] = {
		"PT9223372036854775808S", "PT18446744073709551615S",
		"PT2562047788015216H", "PT2562047788015215H1808S",
		"PT153722867280912931M", "PT18446744073709551615H",
		"PT1H9223372036854775807S", "P1DT9223372036854775807S",
	};
	struct duration d;
	int64_t s;

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		ATF_REQUIRE_EQ_MSG(duration_parse(good[i].text, &d), 0, "'%s'",
		    good[i].text);
		ATF_CHECK_EQ_MSG(duration_seconds(&d, &s), 0, "'%s'",
		    good[i].text);
		ATF_CHECK_EQ_MSG(s, good[i].secs, "'%s'", good[i].text);
	}
	for (size_t i = 0; i < ARRAY_LEN(big); i++) {
		ATF_REQUIRE_EQ_MSG(duration_parse(big[i], &d), 0, "'%s'",
		    big[i]);
		s = 99;
		ATF_CHECK_EQ_MSG(duration_seconds(&d, &s), ATK_ERR_OVERFLOW,
		    "'%s'", big[i]);
		ATF_CHECK_EQ(s, 0);
	}
	d = (struct duration){ .hours = 2562047788015215, .seconds = 1808 };
	ATF_CHECK_EQ(duration_seconds(&d, &s), ATK_ERR_OVERFLOW);
	memset(&d, 0xff, sizeof(d));
	d.years = d.months = 0;
	ATF_CHECK_EQ(duration_seconds(&d, &s), ATK_ERR_OVERFLOW);
}

ATF_TC_WITHOUT_HEAD(duration_seconds__calendar_is_range);
ATF_TC_BODY(duration_seconds__calendar_is_range, tc)
{
	static const char *const cal[] = { "P1Y", "P1M", "P1YT1S", "P1M1D" };
	struct duration d;
	int64_t s;

	for (size_t i = 0; i < ARRAY_LEN(cal); i++) {
		ATF_REQUIRE_EQ(duration_parse(cal[i], &d), 0);
		s = 99;
		ATF_CHECK_EQ_MSG(duration_seconds(&d, &s), ATK_ERR_RANGE,
		    "'%s'", cal[i]);
		ATF_CHECK_EQ(s, 0);
	}
}

ATF_TC_WITHOUT_HEAD(duration_parse_expiry__forms);
ATF_TC_BODY(duration_parse_expiry__forms, tc)
{
	int64_t now = at("2026-11-24T23:35:33Z"), e;

	e = 99;
	ATF_CHECK_EQ(duration_parse_expiry("never", now, &e), 0);
	ATF_CHECK_EQ(e, 0);
	ATF_CHECK_EQ(duration_parse_expiry("P1Y", now, &e), 0);
	ATF_CHECK_EQ(e, at("2027-11-24T23:35:33Z"));
	ATF_CHECK_EQ(duration_parse_expiry("PT30M", now, &e), 0);
	ATF_CHECK_EQ(e, now + 1800);
	ATF_CHECK_EQ(duration_parse_expiry("PT1S", now, &e), 0);
	ATF_CHECK_EQ(e, now + 1);
	ATF_CHECK_EQ(duration_parse_expiry("2027-01-01T00:00:00Z", now, &e),
	    0);
	ATF_CHECK_EQ(e, at("2027-01-01T00:00:00Z"));
	ATF_CHECK_EQ(duration_parse_expiry("2027-01-01T02:00:00+02:00", now,
	    &e), 0);
	ATF_CHECK_EQ(e, at("2027-01-01T00:00:00Z"));
	/* A bare date is midnight UTC that day. */
	ATF_CHECK_EQ(duration_parse_expiry("2027-01-01", now, &e), 0);
	ATF_CHECK_EQ(e, at("2027-01-01T00:00:00Z"));
	ATF_CHECK_EQ(duration_parse_expiry("2026-11-25", now, &e), 0);
	ATF_CHECK_EQ(e, at("2026-11-25T00:00:00Z"));
	ATF_CHECK_EQ(duration_parse_expiry("9999-12-31", now, &e), 0);
	ATF_CHECK_EQ(e, at("9999-12-31T00:00:00Z"));
	ATF_CHECK_EQ(duration_parse_expiry("2024-02-29", now - 1000000000,
	    &e), 0);
	ATF_CHECK_EQ(e, at("2024-02-29T00:00:00Z"));
	ATF_CHECK_EQ(duration_parse_expiry("2026-11-24 23:35:34Z", now, &e),
	    0);
	ATF_CHECK_EQ(e, now + 1);
}

ATF_TC_WITHOUT_HEAD(duration_parse_expiry__errors);
ATF_TC_BODY(duration_parse_expiry__errors, tc)
{
	static const struct {
		const char	*text;
		int		 r;
	} bad[] = {
		{ "", ATK_ERR_SYNTAX },
		{ "Never", ATK_ERR_SYNTAX },
		{ "NEVER", ATK_ERR_SYNTAX },
		{ "never ", ATK_ERR_SYNTAX },
		{ "0", ATK_ERR_SYNTAX },
		{ "tomorrow", ATK_ERR_SYNTAX },
		{ "1d", ATK_ERR_SYNTAX },
		{ "p1d", ATK_ERR_SYNTAX },
		{ "P", ATK_ERR_SYNTAX },
		{ "P1W2D", ATK_ERR_SYNTAX },
		{ "-P1D", ATK_ERR_SYNTAX },
		{ "PT0.5S", ATK_ERR_SYNTAX },
		{ "2027-1-01", ATK_ERR_SYNTAX },
		{ "2027-01-1 ", ATK_ERR_SYNTAX },
		{ "2027-01-01T", ATK_ERR_SYNTAX },
		{ "2027-01-01Z", ATK_ERR_SYNTAX },
		{ "2027-01-01T00:00:00", ATK_ERR_SYNTAX },
		{ "20270101", ATK_ERR_SYNTAX },
		{ "1795563333", ATK_ERR_SYNTAX },
		{ "P4294967296D", ATK_ERR_OVERFLOW },
		{ "P8000Y", ATK_ERR_OVERFLOW },
		{ "PT9223372036854775807S", ATK_ERR_OVERFLOW },
		{ "2027-02-29", ATK_ERR_RANGE },
		{ "2027-13-01", ATK_ERR_RANGE },
		{ "2027-02-29T00:00:00Z", ATK_ERR_RANGE },
		/* In the past, now, or a zero duration: born expired. */
		{ "2026-11-24", ATK_ERR_RANGE },
		{ "2026-11-24T23:35:33Z", ATK_ERR_RANGE },
		{ "2026-11-24T23:35:32Z", ATK_ERR_RANGE },
		{ "1970-01-01", ATK_ERR_RANGE },
		{ "1969-12-31", ATK_ERR_RANGE },
		{ "P0D", ATK_ERR_RANGE },
		{ "PT0S", ATK_ERR_RANGE },
	};
	int64_t now = at("2026-11-24T23:35:33Z"), e;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		e = 99;
		ATF_CHECK_EQ_MSG(duration_parse_expiry(bad[i].text, now, &e),
		    bad[i].r, "'%s'", bad[i].text);
		ATF_CHECK_EQ(e, 0);
	}
	ATF_CHECK_EQ(duration_parse_expiry(NULL, now, &e), ATK_ERR_SYNTAX);
	/* A duration needs a sane now; 0 would mean never. */
	ATF_CHECK_EQ(duration_parse_expiry("P1D", -1, &e), ATK_ERR_RANGE);
	ATF_CHECK_EQ(duration_parse_expiry("P0D", 0, &e), ATK_ERR_RANGE);
	ATF_CHECK_EQ(duration_parse_expiry("PT1S", 0, &e), 0);
	ATF_CHECK_EQ(e, 1);
}

ATF_TC_WITHOUT_HEAD(duration_format_age__units);
ATF_TC_BODY(duration_format_age__units, tc)
{
	static const struct {
		int64_t		 secs;
		const char	*text;
	} ages[] = {
		{ 0, "0s" }, { 45, "45s" }, { 59, "59s" }, { 60, "1m" },
		{ 119, "1m" }, { 720, "12m" }, { 3599, "59m" },
		{ 3600, "1h" }, { 3 * 3600 + 3599, "3h" }, { 86399, "23h" },
		{ 86400, "1d" }, { 5 * 86400, "5d" },
		{ 364 * 86400 + 86399, "364d" }, { 365 * 86400, "1y" },
		{ 2 * 365 * 86400, "2y" }, { 3 * 365 * 86400 - 1, "2y" },
		{ -1, "0s" }, { INT64_MIN, "0s" },
		{ INT64_MAX, "292471208677y" },
	};
	char buf[DURATION_AGE_BUFSZ];

	for (size_t i = 0; i < ARRAY_LEN(ages); i++) {
		ATF_CHECK_EQ(duration_format_age(ages[i].secs, buf,
		    sizeof(buf)), 0);
		ATF_CHECK_STREQ_MSG(buf, ages[i].text, "%jd s",
		    (intmax_t)ages[i].secs);
	}
}

ATF_TC_WITHOUT_HEAD(duration_format_age__small_buffer);
ATF_TC_BODY(duration_format_age__small_buffer, tc)
{
	char buf[DURATION_AGE_BUFSZ];

	/* "45s" needs 4 bytes with its NUL. */
	ATF_CHECK_EQ(duration_format_age(45, buf, 4), 0);
	ATF_CHECK_STREQ(buf, "45s");
	memset(buf, 'x', sizeof(buf));
	ATF_CHECK_EQ(duration_format_age(45, buf, 3), ATK_ERR_INVAL);
	ATF_CHECK_EQ(buf[0], '\0');
	ATF_CHECK_EQ(duration_format_age(INT64_MAX, buf, sizeof(buf)), 0);
	ATF_CHECK_EQ(duration_format_age(45, NULL, 0), ATK_ERR_INVAL);
	ATF_CHECK_EQ(duration_format_age(45, buf, 0), ATK_ERR_INVAL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, duration_parse__valid);
	ATF_TP_ADD_TC(tp, duration_parse__syntax);
	ATF_TP_ADD_TC(tp, duration_parse__overflow);
	ATF_TP_ADD_TC(tp, duration_add__fixed);
	ATF_TP_ADD_TC(tp, duration_add__calendar);
	ATF_TP_ADD_TC(tp, duration_add__overflow);
	ATF_TP_ADD_TC(tp, duration_seconds__fixed);
	ATF_TP_ADD_TC(tp, duration_seconds__calendar_is_range);
	ATF_TP_ADD_TC(tp, duration_parse_expiry__forms);
	ATF_TP_ADD_TC(tp, duration_parse_expiry__errors);
	ATF_TP_ADD_TC(tp, duration_format_age__units);
	ATF_TP_ADD_TC(tp, duration_format_age__small_buffer);
	return atf_no_error();
}
