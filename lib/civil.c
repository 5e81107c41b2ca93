/*
 * Proleptic Gregorian calendar on day counts.
 *
 * Both directions count years from March: with January and February
 * treated as months 13 and 14 of the year before, the leap day is the last
 * day of a year, and the month lengths from March on repeat the pattern
 * 31 30 31 30 31 every five months, which (153 * m + 2) / 5 walks exactly.
 * A 400-year era holds 146097 days; day 0 of this scheme is 0000-03-01,
 * 719468 days before 1970-01-01.
 */
#include "config.h"

#include <stdint.h>

#include "civil.h"
#include "error.h"

#define DAYS_PER_ERA		INT64_C(146097)	/* 400 Gregorian years. */
#define YEARS_PER_ERA		400
#define DAYS_0000_03_01_TO_EPOCH INT64_C(719468)

/* Division rounding toward minus infinity, for years and days before 0. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int
civil_is_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
civil_days_in_month(int64_t year, int month)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > CIVIL_MONTHS_PER_YEAR)
		return 0;
	if (month == 2 && civil_is_leap(year))
		return 29;
	return days[month - 1];
}

int64_t
civil_days_from_date(int64_t year, int month, int day)
{
	int64_t era, yoe, doy, doe;
	int mp;

	/* Months counted from March: Mar = 0, ..., Feb = 11 of year - 1. */
	if (month <= 2) {
		year--;
		mp = month + 9;
	} else
		mp = month - 3;
	era = floor_div(year, YEARS_PER_ERA);
	yoe = year - era * YEARS_PER_ERA;		/* 0..399 */
	doy = (153 * mp + 2) / 5 + day - 1;		/* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_EPOCH;
}

void
civil_date_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = days + DAYS_0000_03_01_TO_EPOCH;
	era = floor_div(z, DAYS_PER_ERA);
	doe = z - era * DAYS_PER_ERA;			/* 0..146096 */
	/* Take out the leap days before dividing by 365. */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* 0..365 */
	mp = (5 * doy + 2) / 153;			/* 0..11 from March */
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * YEARS_PER_ERA + (*month <= 2);
}

int
civil_to_time(const struct civil_time *ct, int64_t *t)
{
	int64_t days;

	*t = 0;
	if (ct->year < CIVIL_YEAR_MIN || ct->year > CIVIL_YEAR_MAX ||
	    ct->month < 1 || ct->month > CIVIL_MONTHS_PER_YEAR ||
	    ct->day < 1 || ct->day > civil_days_in_month(ct->year, ct->month) ||
	    ct->hour < 0 || ct->hour > CIVIL_HOUR_MAX || ct->minute < 0 ||
	    ct->minute > CIVIL_MINUTE_MAX || ct->second < 0 ||
	    ct->second > CIVIL_SECOND_MAX)
		return ATK_ERR_RANGE;
	days = civil_days_from_date(ct->year, ct->month, ct->day);
	*t = days * CIVIL_SECS_PER_DAY + ct->hour * CIVIL_SECS_PER_HOUR +
	    ct->minute * CIVIL_SECS_PER_MINUTE + ct->second;
	return 0;
}

int
civil_from_time(int64_t t, struct civil_time *ct)
{
	int64_t secs;

	ct->year = 0;
	ct->month = ct->day = ct->hour = ct->minute = ct->second = 0;
	if (t < CIVIL_TIME_MIN || t > CIVIL_TIME_MAX)
		return ATK_ERR_RANGE;
	civil_date_from_days(t / CIVIL_SECS_PER_DAY, &ct->year, &ct->month,
	    &ct->day);
	secs = t % CIVIL_SECS_PER_DAY;
	ct->hour = (int)(secs / CIVIL_SECS_PER_HOUR);
	ct->minute = (int)(secs % CIVIL_SECS_PER_HOUR / CIVIL_SECS_PER_MINUTE);
	ct->second = (int)(secs % CIVIL_SECS_PER_MINUTE);
	return 0;
}
