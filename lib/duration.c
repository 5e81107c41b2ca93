/*
 * ISO 8601 durations (RFC 3339 appendix A) and the calendar arithmetic
 * that adds them to a time; see duration.h for the rules.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "duration.h"
#include "error.h"
#include "rfc3339.h"

/* Slots of the components, in the order they must appear. */
enum {
	SLOT_YEARS, SLOT_MONTHS, SLOT_WEEKS, SLOT_DAYS,
	SLOT_HOURS, SLOT_MINUTES, SLOT_SECONDS, SLOT_COUNT
};

#define DATE_DESIGNATORS	"YMWD"	/* SLOT_YEARS.. in order. */
#define TIME_DESIGNATORS	"HMS"	/* SLOT_HOURS.. in order. */
#define BARE_DATE_LEN		10	/* "YYYY-MM-DD" */
#define BARE_DATE_TIME		"T00:00:00Z"
#define DAYS_PER_YEAR_AGE	365

/*
 * The grammar, checked in one pass:
 *   "P" [n "Y"] [n "M"] [n "D"] ["T" [n "H"] [n "M"] [n "S"]] | "P" n "W"
 * with at least one component, and at least one after a "T".  RFC 3339
 * appendix A's ABNF makes the date components a chain (dur-year needs
 * dur-month, dur-month needs dur-day: "P1Y2D" is not in it), but ISO 8601
 * lets any of them be left out, so "P1Y2D" and "P1YT1S" are accepted here.
 * Overflow is remembered and reported only once the whole text is known to
 * be well-formed, so that garbage is always a syntax error.
 */
int
duration_parse(const char *s, struct duration *d)
{
	uint64_t v[SLOT_COUNT] = { 0 }, n, digit;
	const char *p, *designators, *pos;
	int in_time = 0, ndate = 0, ntime = 0, next = 0, toobig = 0;
	int slot, big;

	memset(d, 0, sizeof(*d));
	if (s == NULL || *s != 'P')
		return ATK_ERR_SYNTAX;
	for (p = s + 1; *p != '\0';) {
		if (*p == 'T') {
			if (in_time)
				return ATK_ERR_SYNTAX;
			in_time = 1;
			next = 0;
			p++;
			continue;
		}
		if (*p < '0' || *p > '9')
			return ATK_ERR_SYNTAX;
		for (n = 0, big = 0; *p >= '0' && *p <= '9'; p++) {
			digit = (uint64_t)(*p - '0');
			if (n > (UINT64_MAX - digit) / 10)
				big = 1;
			else
				n = n * 10 + digit;
		}
		/* A designator that exists in this part, after the last one. */
		designators = in_time ? TIME_DESIGNATORS : DATE_DESIGNATORS;
		if (*p == '\0' || (pos = strchr(designators, *p)) == NULL)
			return ATK_ERR_SYNTAX;
		slot = (int)(pos - designators);
		if (slot < next)
			return ATK_ERR_SYNTAX;
		next = slot + 1;
		p++;
		if (in_time) {
			slot += SLOT_HOURS;
			ntime++;
		} else
			ndate++;
		/* Weeks only alone: "P2W", not "P1W2D" or "P1Y2W". */
		if (slot == SLOT_WEEKS && (ndate != 1 || *p != '\0'))
			return ATK_ERR_SYNTAX;
		if (big || (slot < SLOT_HOURS && n > UINT32_MAX))
			toobig = 1;
		v[slot] = n;
	}
	if (ndate + ntime == 0 || (in_time && ntime == 0))
		return ATK_ERR_SYNTAX;
	if (toobig)
		return ATK_ERR_OVERFLOW;
	d->years = (uint32_t)v[SLOT_YEARS];
	d->months = (uint32_t)v[SLOT_MONTHS];
	d->weeks = (uint32_t)v[SLOT_WEEKS];
	d->days = (uint32_t)v[SLOT_DAYS];
	d->hours = v[SLOT_HOURS];
	d->minutes = v[SLOT_MINUTES];
	d->seconds = v[SLOT_SECONDS];
	return 0;
}

/* *acc += n * unit unless that passes max; acc, unit and max >= 0. */
static int
add_scaled(int64_t *acc, uint64_t n, int64_t unit, int64_t max)
{
	if (n > (uint64_t)((max - *acc) / unit))
		return ATK_ERR_OVERFLOW;
	*acc += (int64_t)n * unit;
	return 0;
}

/* Weeks, days, hours, minutes and seconds, in that order. */
static int
add_fixed(int64_t *acc, const struct duration *d, int64_t max)
{
	int r;

	if ((r = add_scaled(acc, d->weeks, (int64_t)CIVIL_DAYS_PER_WEEK *
	    CIVIL_SECS_PER_DAY, max)) != 0 ||
	    (r = add_scaled(acc, d->days, CIVIL_SECS_PER_DAY, max)) != 0 ||
	    (r = add_scaled(acc, d->hours, CIVIL_SECS_PER_HOUR, max)) != 0 ||
	    (r = add_scaled(acc, d->minutes, CIVIL_SECS_PER_MINUTE,
	    max)) != 0 ||
	    (r = add_scaled(acc, d->seconds, 1, max)) != 0)
		return r;
	return 0;
}

int
duration_add(int64_t t, const struct duration *d, int64_t *out)
{
	struct civil_time ct;
	int64_t months, acc;
	int dim, r;

	*out = 0;
	if ((r = civil_from_time(t, &ct)) != 0)
		return r;
	if (d->years != 0 || d->months != 0) {
		/* At most 12 * 2^32 + 2^32 months more: no int64 overflow. */
		months = ct.year * CIVIL_MONTHS_PER_YEAR + (ct.month - 1) +
		    (int64_t)d->years * CIVIL_MONTHS_PER_YEAR + d->months;
		if (months / CIVIL_MONTHS_PER_YEAR > CIVIL_YEAR_MAX)
			return ATK_ERR_OVERFLOW;
		ct.year = months / CIVIL_MONTHS_PER_YEAR;
		ct.month = (int)(months % CIVIL_MONTHS_PER_YEAR) + 1;
		/* Jan 31 + P1M is the last day of February. */
		dim = civil_days_in_month(ct.year, ct.month);
		if (ct.day > dim)
			ct.day = dim;
		if ((r = civil_to_time(&ct, &t)) != 0)
			return r;
	}
	acc = t;
	if ((r = add_fixed(&acc, d, CIVIL_TIME_MAX)) != 0)
		return r;
	*out = acc;
	return 0;
}

int
duration_seconds(const struct duration *d, int64_t *out)
{
	int64_t acc = 0;
	int r;

	*out = 0;
	/* A month or a year has no fixed length. */
	if (d->years != 0 || d->months != 0)
		return ATK_ERR_RANGE;
	if ((r = add_fixed(&acc, d, INT64_MAX)) != 0)
		return r;
	*out = acc;
	return 0;
}

int
duration_parse_expiry(const char *s, int64_t now, int64_t *expires)
{
	struct duration d;
	char buf[RFC3339_BUFSZ];
	int64_t t;
	int n, r;

	*expires = 0;
	if (s == NULL)
		return ATK_ERR_SYNTAX;
	if (strcmp(s, DURATION_NEVER) == 0)
		return 0;
	if (s[0] == 'P') {
		if ((r = duration_parse(s, &d)) != 0 ||
		    (r = duration_add(now, &d, &t)) != 0)
			return r;
	} else if (strlen(s) == BARE_DATE_LEN) {
		/* A bare date means the start of that day, UTC. */
		n = snprintf(buf, sizeof(buf), "%s%s", s, BARE_DATE_TIME);
		if (n < 0 || (size_t)n >= sizeof(buf))
			return ATK_ERR_SYNTAX;
		if ((r = rfc3339_parse(buf, &t)) != 0)
			return r;
	} else if ((r = rfc3339_parse(s, &t)) != 0)
		return r;
	/* Born expired, or 0, which would read as "never". */
	if (t <= now)
		return ATK_ERR_RANGE;
	*expires = t;
	return 0;
}

int
duration_format_age(int64_t seconds, char *buf, size_t bufsz)
{
	int64_t v;
	char unit;
	int n;

	if (buf == NULL || bufsz == 0)
		return ATK_ERR_INVAL;
	buf[0] = '\0';
	/* A time from the future (clock skew) is no age at all. */
	if (seconds < 0)
		seconds = 0;
	if (seconds < CIVIL_SECS_PER_MINUTE) {
		v = seconds;
		unit = 's';
	} else if (seconds < CIVIL_SECS_PER_HOUR) {
		v = seconds / CIVIL_SECS_PER_MINUTE;
		unit = 'm';
	} else if (seconds < CIVIL_SECS_PER_DAY) {
		v = seconds / CIVIL_SECS_PER_HOUR;
		unit = 'h';
	} else if (seconds < (int64_t)DAYS_PER_YEAR_AGE * CIVIL_SECS_PER_DAY) {
		v = seconds / CIVIL_SECS_PER_DAY;
		unit = 'd';
	} else {
		v = seconds / ((int64_t)DAYS_PER_YEAR_AGE * CIVIL_SECS_PER_DAY);
		unit = 'y';
	}
	n = snprintf(buf, bufsz, "%" PRId64 "%c", v, unit);
	if (n < 0 || (size_t)n >= bufsz) {
		buf[0] = '\0';
		return ATK_ERR_INVAL;
	}
	return 0;
}
