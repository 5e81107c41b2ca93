/*
 * ISO 8601 durations.  A parsed duration re-parses identically from its
 * canonical text; duration_add() agrees with a reference in 128-bit
 * arithmetic, so it never overflows silently (a result is inside
 * 1970..9999, else an error); duration_parse_expiry() agrees with the
 * parsers it is made of; duration_format_age() writes a count and a unit
 * that bracket the age.
 * Input: t, now, age (8 bytes each), then the text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "duration.h"
#include "error.h"
#include "fuzz.h"
#include "rfc3339.h"

/* "P" and 7 components of up to 20 digits and a designator, "T", NUL. */
#define CANON_BUFSZ	160
#define SECS_PER_WEEK	((int64_t)CIVIL_DAYS_PER_WEEK * CIVIL_SECS_PER_DAY)
#define SECS_PER_YEAR_AGE	((int64_t)365 * CIVIL_SECS_PER_DAY)

/* Every non-zero component once, in order; "P0D" for nothing at all. */
static void
canonical(const struct duration *d, char *buf, size_t bufsz)
{
	size_t n;

	n = (size_t)snprintf(buf, bufsz, "P");
	if (d->years != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu32 "Y",
		    d->years);
	if (d->months != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu32 "M",
		    d->months);
	if (d->weeks != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu32 "W",
		    d->weeks);
	if (d->days != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu32 "D",
		    d->days);
	if (d->hours != 0 || d->minutes != 0 || d->seconds != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "T");
	if (d->hours != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu64 "H",
		    d->hours);
	if (d->minutes != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu64 "M",
		    d->minutes);
	if (d->seconds != 0)
		n += (size_t)snprintf(buf + n, bufsz - n, "%" PRIu64 "S",
		    d->seconds);
	if (n == 1)
		snprintf(buf + n, bufsz - n, "0D");
	FUZZ_CHECK(n < bufsz);
}

static int
same(const struct duration *a, const struct duration *b)
{
	return a->years == b->years && a->months == b->months &&
	    a->weeks == b->weeks && a->days == b->days &&
	    a->hours == b->hours && a->minutes == b->minutes &&
	    a->seconds == b->seconds;
}

/* t + d the way duration.h says, in 128 bits: nothing can overflow. */
static int
reference_add(int64_t t, const struct duration *d, int64_t *out)
{
	struct civil_time ct;
	__int128 months, base, total;
	int dim;

	*out = 0;
	if (t < CIVIL_TIME_MIN || t > CIVIL_TIME_MAX)
		return ATK_ERR_RANGE;
	FUZZ_CHECK(civil_from_time(t, &ct) == 0);
	base = t;
	if (d->years != 0 || d->months != 0) {
		months = (__int128)ct.year * CIVIL_MONTHS_PER_YEAR +
		    (ct.month - 1) + (__int128)d->years *
		    CIVIL_MONTHS_PER_YEAR + d->months;
		if (months / CIVIL_MONTHS_PER_YEAR > CIVIL_YEAR_MAX)
			return ATK_ERR_OVERFLOW;
		ct.year = (int64_t)(months / CIVIL_MONTHS_PER_YEAR);
		ct.month = (int)(months % CIVIL_MONTHS_PER_YEAR) + 1;
		dim = civil_days_in_month(ct.year, ct.month);
		FUZZ_CHECK(dim >= 28 && dim <= 31);
		if (ct.day > dim)
			ct.day = dim;
		base = (__int128)civil_days_from_date(ct.year, ct.month,
		    ct.day) * CIVIL_SECS_PER_DAY +
		    ct.hour * CIVIL_SECS_PER_HOUR +
		    ct.minute * CIVIL_SECS_PER_MINUTE + ct.second;
	}
	total = base + (__int128)d->weeks * SECS_PER_WEEK +
	    (__int128)d->days * CIVIL_SECS_PER_DAY +
	    (__int128)d->hours * CIVIL_SECS_PER_HOUR +
	    (__int128)d->minutes * CIVIL_SECS_PER_MINUTE + d->seconds;
	if (total > CIVIL_TIME_MAX)
		return ATK_ERR_OVERFLOW;
	*out = (int64_t)total;
	return 0;
}

static void
check_add(int64_t t, const struct duration *d)
{
	int64_t got, want, secs;
	int r;

	r = duration_add(t, d, &got);
	FUZZ_CHECK(r == reference_add(t, d, &want));
	FUZZ_CHECK(got == want);
	if (r == 0)
		FUZZ_CHECK(got >= t && got <= CIVIL_TIME_MAX);
	/* Without years and months a duration has a length in seconds. */
	r = duration_seconds(d, &secs);
	if (d->years != 0 || d->months != 0)
		FUZZ_CHECK(r == ATK_ERR_RANGE);
	else if (r == 0) {
		FUZZ_CHECK(secs >= 0);
		if (t >= CIVIL_TIME_MIN && t <= CIVIL_TIME_MAX &&
		    secs <= CIVIL_TIME_MAX - t)
			FUZZ_CHECK(duration_add(t, d, &got) == 0 &&
			    got == t + secs);
	} else
		FUZZ_CHECK(r == ATK_ERR_OVERFLOW);
}

static void
check_expiry(const char *s, int64_t now)
{
	struct duration d;
	int64_t exp, t;
	int r, rr;

	r = duration_parse_expiry(s, now, &exp);
	FUZZ_CHECK(r == 0 || exp == 0);
	if (strcmp(s, DURATION_NEVER) == 0) {
		FUZZ_CHECK(r == 0 && exp == 0);
		return;
	}
	if (r == 0)
		FUZZ_CHECK(exp > now && exp > 0 && exp <= CIVIL_TIME_MAX);
	if (s[0] == 'P') {
		if ((rr = duration_parse(s, &d)) == 0 &&
		    (rr = duration_add(now, &d, &t)) == 0 && t <= now)
			rr = ATK_ERR_RANGE;
		FUZZ_CHECK(r == rr);
		if (r == 0)
			FUZZ_CHECK(exp == t);
	} else if (rfc3339_parse(s, &t) == 0) {
		FUZZ_CHECK(r == (t > now ? 0 : ATK_ERR_RANGE));
		if (r == 0)
			FUZZ_CHECK(exp == t);
	}
}

static void
check_age(int64_t age, size_t small)
{
	char buf[DURATION_AGE_BUFSZ], *end;
	int64_t unit, v, a = age < 0 ? 0 : age;
	size_t len;

	FUZZ_CHECK(duration_format_age(age, buf, sizeof(buf)) == 0);
	len = strlen(buf);
	FUZZ_CHECK(len >= 2 && buf[0] >= '0' && buf[0] <= '9');
	v = strtoll(buf, &end, 10);
	FUZZ_CHECK(end == buf + len - 1);
	switch (*end) {
	case 's':
		unit = 1;
		FUZZ_CHECK(a < CIVIL_SECS_PER_MINUTE);
		break;
	case 'm':
		unit = CIVIL_SECS_PER_MINUTE;
		FUZZ_CHECK(a >= unit && a < CIVIL_SECS_PER_HOUR);
		break;
	case 'h':
		unit = CIVIL_SECS_PER_HOUR;
		FUZZ_CHECK(a >= unit && a < CIVIL_SECS_PER_DAY);
		break;
	case 'd':
		unit = CIVIL_SECS_PER_DAY;
		FUZZ_CHECK(a >= unit && a < SECS_PER_YEAR_AGE);
		break;
	case 'y':
		unit = SECS_PER_YEAR_AGE;
		FUZZ_CHECK(a >= unit);
		break;
	default:
		FUZZ_CHECK(!"a known unit");
		return;
	}
	FUZZ_CHECK(v == a / unit);
	/* Too small a buffer is an error and an empty string. */
	if (small <= len) {
		FUZZ_CHECK(duration_format_age(age, buf, small) ==
		    ATK_ERR_INVAL);
		FUZZ_CHECK(small == 0 || buf[0] == '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct duration d, d2;
	char canon[CANON_BUFSZ], canon2[CANON_BUFSZ];
	uint64_t ut, unow, uage;
	int64_t t, now;
	char *s;
	int r;

	ut = fuzz_u64(&in);
	unow = fuzz_u64(&in);
	uage = fuzz_u64(&in);
	/* Mostly times in range; an odd value is taken as it is. */
	t = (ut & 1) ? (int64_t)ut :
	    (int64_t)((ut >> 1) % ((uint64_t)CIVIL_TIME_MAX + 1));
	now = (unow & 1) ? (int64_t)unow :
	    (int64_t)((unow >> 1) % ((uint64_t)CIVIL_TIME_MAX + 1));
	s = fuzz_strndup(in.p, in.n);

	r = duration_parse(s, &d);
	FUZZ_CHECK(r == 0 || r == ATK_ERR_SYNTAX || r == ATK_ERR_OVERFLOW);
	if (r == 0) {
		/* Weeks stand alone. */
		FUZZ_CHECK(d.weeks == 0 || (d.years == 0 && d.months == 0 &&
		    d.days == 0 && d.hours == 0 && d.minutes == 0 &&
		    d.seconds == 0));
		canonical(&d, canon, sizeof(canon));
		FUZZ_CHECK(duration_parse(canon, &d2) == 0);
		FUZZ_CHECK(same(&d, &d2));
		canonical(&d2, canon2, sizeof(canon2));
		FUZZ_CHECK(strcmp(canon, canon2) == 0);
		check_add(t, &d);
	} else {
		memset(&d2, 0, sizeof(d2));
		FUZZ_CHECK(same(&d, &d2));
	}
	check_expiry(s, now);
	check_age((int64_t)uage, (size_t)(uage >> 59));
	free(s);
	return 0;
}
