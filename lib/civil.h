/*
 * Calendar arithmetic on the proleptic Gregorian calendar in UTC, done on
 * int64_t day counts (days-from-civil), so that it depends neither on TZ nor
 * on the width of time_t, as mktime(3) and timegm(3) do.
 *
 * Times are POSIX seconds since 1970-01-01T00:00:00Z, without leap seconds.
 * The supported range is the years 1970 to 9999: what RFC 3339 can write
 * (four-digit years) and no earlier than the epoch.
 */
#ifndef APITOKEN_CIVIL_H
#define APITOKEN_CIVIL_H

#include <stdint.h>

#define CIVIL_YEAR_MIN		1970
#define CIVIL_YEAR_MAX		9999
#define CIVIL_TIME_MIN		INT64_C(0)
/* 9999-12-31T23:59:59Z */
#define CIVIL_TIME_MAX		INT64_C(253402300799)
#define CIVIL_SECS_PER_MINUTE	60
#define CIVIL_SECS_PER_HOUR	3600
#define CIVIL_SECS_PER_DAY	86400
#define CIVIL_DAYS_PER_WEEK	7
#define CIVIL_MONTHS_PER_YEAR	12
#define CIVIL_HOUR_MAX		23
#define CIVIL_MINUTE_MAX	59
#define CIVIL_SECOND_MAX	59	/* POSIX time: no leap seconds. */

/* A broken-down UTC time; month 1-12, day 1-31. */
struct civil_time {
	int64_t	year;
	int	month, day;
	int	hour, minute, second;
};

int	civil_is_leap(int64_t);
/* Days in month (1-12) of year; 0 for a month out of range. */
int	civil_days_in_month(int64_t, int);
/* Days since 1970-01-01 of a valid date (any year that fits an int32). */
int64_t	civil_days_from_date(int64_t, int, int);
void	civil_date_from_days(int64_t, int64_t *, int *, int *);
/*
 * ct to seconds: ATK_ERR_RANGE for a field out of range (month 13, Feb 30,
 * hour 24, second 60) or a time outside CIVIL_TIME_MIN..CIVIL_TIME_MAX.
 */
int	civil_to_time(const struct civil_time *, int64_t *);
/* Seconds to broken-down time; ATK_ERR_RANGE outside the supported range. */
int	civil_from_time(int64_t, struct civil_time *);

#endif /* APITOKEN_CIVIL_H */
