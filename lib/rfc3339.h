/*
 * RFC 3339 timestamps ("2026-11-24T23:35:33Z") to and from UTC seconds.
 *
 * rfc3339_parse() reads a full date-time (RFC 3339 section 5.6):
 *   YYYY-MM-DD, then 'T', 't' or one space (the section 5.6 note allows a
 *   space for readability, and it is what `date --rfc-3339=seconds` prints),
 *   hh:mm:ss, an optional fraction of a second ('.' and digits) that is
 *   accepted and dropped (truncated: we keep whole seconds), then 'Z', 'z' or
 *   an offset +hh:mm / -hh:mm (hh 00-23, mm 00-59; -00:00 is UTC).
 * A leap second (ss = 60) is accepted only where one can be: at 23:59:60 UTC
 * on the last day of a month (after applying the offset, RFC 3339 section
 * 5.7); POSIX time has no leap seconds, so it counts as 23:59:59.
 * Errors: ATK_ERR_SYNTAX for the shape (missing parts, wrong widths,
 * trailing garbage); ATK_ERR_RANGE for a field out of range (month 13,
 * Feb 30, hour 24, offset +24:00, a misplaced leap second) or a time before
 * 1970-01-01T00:00:00Z or after 9999-12-31T23:59:59Z.
 *
 * rfc3339_format() writes "YYYY-MM-DDThh:mm:ssZ"; ATK_ERR_RANGE for a time
 * outside that range, ATK_ERR_INVAL if buf is smaller than RFC3339_LEN + 1.
 */
#ifndef APITOKEN_RFC3339_H
#define APITOKEN_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN	20	/* Characters of "2026-11-24T23:35:33Z". */
#define RFC3339_BUFSZ	32

int	rfc3339_parse(const char *, int64_t *);
int	rfc3339_format(int64_t, char *, size_t);

#endif /* APITOKEN_RFC3339_H */
