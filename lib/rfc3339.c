/*
 * RFC 3339 date-time to and from UTC seconds (see rfc3339.h for what is
 * accepted).  The shape is checked in full before any value, so a text
 * that is both malformed and out of range is a syntax error.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "civil.h"
#include "error.h"
#include "rfc3339.h"

#define LEAP_SECOND	60	/* 23:59:60, counted as 23:59:59. */
#define YEAR_DIGITS	4
#define FIELD_DIGITS	2

/* Exactly n decimal digits at *sp; moves *sp past them. */
static int
read_digits(const char **sp, int n, int *v)
{
	const char *p = *sp;
	int i;

	*v = 0;
	for (i = 0; i < n; i++, p++) {
		if (*p < '0' || *p > '9')
			return ATK_ERR_SYNTAX;
		*v = *v * 10 + (*p - '0');
	}
	*sp = p;
	return 0;
}

static int
read_char(const char **sp, char c)
{
	if (**sp != c)
		return ATK_ERR_SYNTAX;
	(*sp)++;
	return 0;
}

int
rfc3339_parse(const char *s, int64_t *t)
{
	const char *p = s;
	int year, month, day, hour, minute, second, oh = 0, om = 0, sign = 0;
	int64_t local, utc, next;
	int64_t ny;
	int nm, nd, r;

	*t = 0;
	if (s == NULL)
		return ATK_ERR_SYNTAX;
	if ((r = read_digits(&p, YEAR_DIGITS, &year)) != 0 ||
	    (r = read_char(&p, '-')) != 0 ||
	    (r = read_digits(&p, FIELD_DIGITS, &month)) != 0 ||
	    (r = read_char(&p, '-')) != 0 ||
	    (r = read_digits(&p, FIELD_DIGITS, &day)) != 0)
		return r;
	/* RFC 3339 5.6 note: 'T', 't', or a space for readability. */
	if (*p != 'T' && *p != 't' && *p != ' ')
		return ATK_ERR_SYNTAX;
	p++;
	if ((r = read_digits(&p, FIELD_DIGITS, &hour)) != 0 ||
	    (r = read_char(&p, ':')) != 0 ||
	    (r = read_digits(&p, FIELD_DIGITS, &minute)) != 0 ||
	    (r = read_char(&p, ':')) != 0 ||
	    (r = read_digits(&p, FIELD_DIGITS, &second)) != 0)
		return r;
	/* time-secfrac: whole seconds are all we keep. */
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return ATK_ERR_SYNTAX;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if ((r = read_digits(&p, FIELD_DIGITS, &oh)) != 0 ||
		    (r = read_char(&p, ':')) != 0 ||
		    (r = read_digits(&p, FIELD_DIGITS, &om)) != 0)
			return r;
	} else
		return ATK_ERR_SYNTAX;
	if (*p != '\0')
		return ATK_ERR_SYNTAX;

	if (month < 1 || month > CIVIL_MONTHS_PER_YEAR || day < 1 ||
	    day > civil_days_in_month(year, month) || hour > CIVIL_HOUR_MAX ||
	    minute > CIVIL_MINUTE_MAX || second > LEAP_SECOND ||
	    oh > CIVIL_HOUR_MAX || om > CIVIL_MINUTE_MAX)
		return ATK_ERR_RANGE;
	local = civil_days_from_date(year, month, day) * CIVIL_SECS_PER_DAY +
	    hour * CIVIL_SECS_PER_HOUR + minute * CIVIL_SECS_PER_MINUTE +
	    (second == LEAP_SECOND ? CIVIL_SECOND_MAX : second);
	utc = local - sign * (oh * CIVIL_SECS_PER_HOUR +
	    om * CIVIL_SECS_PER_MINUTE);
	if (utc < CIVIL_TIME_MIN || utc > CIVIL_TIME_MAX)
		return ATK_ERR_RANGE;
	if (second == LEAP_SECOND) {
		/* Only 23:59:60 UTC on the last day of a month (5.7). */
		next = utc + 1;
		civil_date_from_days(next / CIVIL_SECS_PER_DAY, &ny, &nm, &nd);
		if (next % CIVIL_SECS_PER_DAY != 0 || nd != 1)
			return ATK_ERR_RANGE;
	}
	*t = utc;
	return 0;
}

int
rfc3339_format(int64_t t, char *buf, size_t bufsz)
{
	struct civil_time ct;
	int n, r;

	if (buf == NULL || bufsz < RFC3339_LEN + 1)
		return ATK_ERR_INVAL;
	buf[0] = '\0';
	if ((r = civil_from_time(t, &ct)) != 0)
		return r;
	n = snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    (int)ct.year, ct.month, ct.day, ct.hour, ct.minute, ct.second);
	if (n != RFC3339_LEN) {
		buf[0] = '\0';
		return ATK_ERR_INVAL;
	}
	return 0;
}
