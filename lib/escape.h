/*
 * Stored or typed text made safe to print, and the test for text that
 * must not be printed at all because it may be a secret.
 */
#ifndef APITOKEN_ESCAPE_H
#define APITOKEN_ESCAPE_H

#include <stddef.h>

/*
 * A string of 16 or more characters that looks like an encoded secret
 * rather than a name: base64, base64url or base62 (a native token's
 * "_" included) with both upper- and lower-case letters and a digit, a
 * '+', a '/' or padding; or hex of 32 or more.  A file name with a dot, a
 * user name in one case, a CamelCase name, a sentence: none of those.
 */
#define ESCAPE_SECRET_MIN	16
#define ESCAPE_HEX_SECRET_MIN	32

int	escape_secretlike(const char *);

/*
 * s with every byte a terminal could act on written C-style: C0 controls
 * and DEL as \xNN (\n, \r and \t by name), C1 controls and bytes that
 * are not UTF-8 as \xNN each, a backslash doubled.  Malloc'd; NULL when
 * out of memory.
 */
char	*escape_text(const char *);

/* The length escape_text(s) would have, without its NUL. */
size_t	escape_len(const char *);

#endif /* APITOKEN_ESCAPE_H */
