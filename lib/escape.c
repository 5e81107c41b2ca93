/*
 * Printing text that came from outside: from the store, from PAM items,
 * from the command line.  An ESC, a CR or a C1 control in a stored remote
 * host name would otherwise move the cursor or rewrite the terminal line
 * of the admin reading it, and a newline would split a log line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"

#define B64ISH_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789+/-_"
#define HEX_CHARS	"0123456789abcdefABCDEF"
#define PAD_MAX		2		/* base64's "=" at the end. */
#define ESC_HEX_LEN	4		/* "\xNN" */

int
escape_secretlike(const char *s)
{
	size_t n = strlen(s), body = strspn(s, B64ISH_CHARS), i;
	int upper = 0, lower = 0, digit = 0, b64 = 0;

	if (n >= ESCAPE_HEX_SECRET_MIN && strspn(s, HEX_CHARS) == n)
		return 1;
	if (n < ESCAPE_SECRET_MIN || body + PAD_MAX < n ||
	    strspn(s + body, "=") != n - body)
		return 0;
	for (i = 0; i < body; i++) {
		upper |= s[i] >= 'A' && s[i] <= 'Z';
		lower |= s[i] >= 'a' && s[i] <= 'z';
		digit |= s[i] >= '0' && s[i] <= '9';
		b64 |= s[i] == '+' || s[i] == '/';
	}
	/*
	 * Random text of 16 or more characters has a digit but for a few in
	 * a hundred; a CamelCase name ("GitHubActionsRunner") has none.
	 */
	return upper && lower && (digit || b64 || body < n);
}

/*
 * The length of the UTF-8 sequence at p that is printable as it is (not
 * a C1 control, not overlong, not a surrogate), or 0.
 */
static size_t
utf8_ok(const unsigned char *p)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0xa0) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Walks s; writes into out when it is not NULL.  Returns the length. */
static size_t
escape_walk(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;
	const char *name;

	while (*p != '\0') {
		name = *p == '\n' ? "\\n" : *p == '\r' ? "\\r" :
		    *p == '\t' ? "\\t" : *p == '\\' ? "\\\\" : NULL;
		if (name != NULL) {
			if (out != NULL)
				memcpy(out + n, name, 2);
			n += 2;
			p++;
		} else if (*p >= 0x20 && *p < 0x7f) {
			if (out != NULL)
				out[n] = (char)*p;
			n++;
			p++;
		} else if (*p >= 0x80 && (k = utf8_ok(p)) > 0) {
			if (out != NULL)
				memcpy(out + n, p, k);
			n += k;
			p += k;
		} else {
			if (out != NULL) {
				out[n] = '\\';
				out[n + 1] = 'x';
				out[n + 2] = hex[*p >> 4];
				out[n + 3] = hex[*p & 0x0f];
			}
			n += ESC_HEX_LEN;
			p++;
		}
	}
	return n;
}

size_t
escape_len(const char *s)
{
	return escape_walk(s, NULL);
}

char *
escape_text(const char *s)
{
	size_t n = escape_walk(s, NULL);
	char *out;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	escape_walk(s, out);
	out[n] = '\0';
	return out;
}
