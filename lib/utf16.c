/*
 * UTF-16LE to UTF-8.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "utf16.h"

#define SURR_HIGH_MIN	0xd800
#define SURR_LOW_MIN	0xdc00
#define SURR_LOW_MAX	0xdfff
#define SURR_BASE	0x10000
#define BOM		0xfeff
#define NONCHAR_MIN	0xfffe
#define C1_MIN		0x7f	/* DEL and the C1 controls... */
#define C1_MAX		0x9f	/* ...up to here. */

void
utf16_decoder_init(struct utf16_decoder *u)
{
	memset(u, 0, sizeof(*u));
}

size_t
utf16_decoder_bound(size_t len)
{
	/* A unit gives at most 3 bytes, a low surrogate ending a pair 4. */
	return (len + 2) / 2 * 3 + 1;
}

/* Whether c may stand in text. */
static int
is_text(uint32_t c)
{
	if (c < ' ')
		return c == '\t' || c == '\n' || c == '\r';
	if (c >= C1_MIN && c <= C1_MAX)
		return 0;
	return c < NONCHAR_MIN || c > 0xffff;
}

static char *
put_utf8(char *o, uint32_t c)
{
	if (c < 0x80)
		*o++ = (char)c;
	else if (c < 0x800) {
		*o++ = (char)(0xc0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | c >> 12);
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | c >> 18);
		*o++ = (char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

/* One code unit at offset pos. */
static int
unit(struct utf16_decoder *u, uint32_t c, uint64_t pos, char **op)
{
	if (u->high != 0) {
		if (c < SURR_LOW_MIN || c > SURR_LOW_MAX) {
			u->errpos = u->highpos;
			return ATK_ERR_ENCODING;
		}
		c = SURR_BASE + ((u->high - SURR_HIGH_MIN) << 10) +
		    (c - SURR_LOW_MIN);
		u->high = 0;
	} else if (c >= SURR_HIGH_MIN && c < SURR_LOW_MIN) {
		u->high = c;
		u->highpos = pos;
		return 0;
	} else if (c >= SURR_LOW_MIN && c <= SURR_LOW_MAX) {
		u->errpos = pos;
		return ATK_ERR_ENCODING;
	} else if (c == BOM && pos == 0) {
		u->bom = 1;
		return 0;
	}
	if (!is_text(c)) {
		u->errpos = pos;
		return ATK_ERR_ENCODING;
	}
	*op = put_utf8(*op, c);
	return 0;
}

int
utf16_decoder_update(struct utf16_decoder *u, const void *inv, size_t len,
    char *out, size_t *outlen)
{
	const unsigned char *in = inv;
	char *o = out;
	size_t i = 0;
	int r = 0;

	*outlen = 0;
	if (u->nhalf && len > 0) {
		r = unit(u, (uint32_t)u->half | (uint32_t)in[0] << 8,
		    u->pos - 1, &o);
		u->nhalf = 0;
		i = 1;
	}
	for (; r == 0 && len - i >= 2; i += 2)
		r = unit(u, (uint32_t)in[i] | (uint32_t)in[i + 1] << 8,
		    u->pos + i, &o);
	if (r == 0 && i < len) {
		u->half = in[i++];
		u->nhalf = 1;
	}
	u->pos += i;
	*outlen = (size_t)(o - out);
	return r;
}

int
utf16_decoder_final(struct utf16_decoder *u)
{
	if (u->nhalf) {
		u->errpos = u->pos - 1;
		return ATK_ERR_ENCODING;
	}
	if (u->high != 0) {
		u->errpos = u->highpos;
		return ATK_ERR_ENCODING;
	}
	return 0;
}
