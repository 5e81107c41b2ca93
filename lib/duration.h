/*
 * ISO 8601 durations as in RFC 3339 appendix A: "P1Y", "P3M", "P2W",
 * "P1DT12H", "PT30M", "P1Y2M3DT4H5M6S".
 *
 * duration_parse() is strict: 'P', then the date components Y, M, D in that
 * order, then 'T' and the time components H, M, S in that order; each at
 * most once, any may be left out ("P1Y2D": ISO 8601 allows it, though the
 * appendix A ABNF does not), but at least one in all and at least one after
 * a 'T'.  W stands alone ("P2W", never "P1W2D").  Digits only: no
 * sign, space, lower case or fraction.  Errors: ATK_ERR_SYNTAX, or
 * ATK_ERR_OVERFLOW (only for an otherwise well-formed duration) when a
 * number does not fit its field: 32 bits for Y, M, W, D, 64 for H, M, S.
 *
 * duration_add() adds a duration to a UTC time the way a person reads it:
 *   1. years and months move the month, then the day is clamped to the end
 *      of the target month (Jan 31 + P1M = Feb 28, or Feb 29 in a leap year;
 *      Feb 29 + P1Y = Feb 28), keeping the time of day;
 *   2. weeks and days add 86400-second days (UTC: no DST, no leap seconds);
 *   3. hours, minutes and seconds add their seconds.
 * The result must lie in 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z, else
 * ATK_ERR_OVERFLOW; ATK_ERR_RANGE if t itself is outside that range.
 */
#ifndef APITOKEN_DURATION_H
#define APITOKEN_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_NEVER		"never"
#define DURATION_AGE_BUFSZ	24

struct duration {
	uint32_t	years, months, weeks, days;
	uint64_t	hours, minutes, seconds;
};

int	duration_parse(const char *, struct duration *);
/* t + d in UTC, as above; ATK_ERR_OVERFLOW past the range. */
int	duration_add(int64_t, const struct duration *, int64_t *);
/*
 * Seconds of a duration without Y/M (weeks, days, time): ATK_ERR_RANGE if
 * it has Y or M, ATK_ERR_OVERFLOW past INT64_MAX.
 */
int	duration_seconds(const struct duration *, int64_t *);
/*
 * The "--expires DUR|DATE|never" of the apitoken tool: *expires = 0 for
 * "never", else an absolute UTC time.  DUR is added to now; DATE is an
 * RFC 3339 date-time or a bare YYYY-MM-DD meaning 00:00:00Z that day.
 * "never" is spelled in lower case only.  Errors of duration_parse(),
 * duration_add() and rfc3339_parse() pass through; ATK_ERR_RANGE also if
 * the result is not after now (a date in the past, or a zero duration: the
 * token would be born expired, and 0 means never).
 */
int	duration_parse_expiry(const char *, int64_t, int64_t *);
/*
 * A short age for tables, like kubectl's AGE column: seconds below a minute
 * "45s", below an hour "12m", below a day "3h", below 365 days "5d", else
 * years "2y" (365-day years, rounded down).  A negative age (clock skew)
 * prints "0s".  ATK_ERR_INVAL if buf is too small (DURATION_AGE_BUFSZ is
 * always enough).
 */
int	duration_format_age(int64_t, char *, size_t);

#endif /* APITOKEN_DURATION_H */
