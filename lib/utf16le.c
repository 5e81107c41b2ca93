/*
 * UTF-8 to UTF-16LE, strict: only what RFC 3629 calls UTF-8 is accepted.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "utf16le.h"

#define UTF16_SURROGATE_FIRST	0xd800
#define UTF16_SURROGATE_LAST	0xdfff
#define UTF16_HIGH_SURROGATE	0xd800
#define UTF16_LOW_SURROGATE	0xdc00
#define UNICODE_BMP_END		0x10000
#define UNICODE_MAX		0x10ffff

/*
 * Decode the code point starting at in[*pos] and move *pos past it, or
 * return ATK_ERR_ENCODING.
 */
static int
utf8_next(const unsigned char *in, size_t len, size_t *pos, uint32_t *cp)
{
	/* Smallest code point for sequences of 2, 3 and 4 bytes. */
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t i = *pos, n, k;
	uint32_t c = in[i];

	if (c < 0x80)
		n = 1;
	else if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
	} else
		return ATK_ERR_ENCODING;
	if (n > len - i)
		return ATK_ERR_ENCODING;
	for (k = 1; k < n; k++) {
		if ((in[i + k] & 0xc0) != 0x80)
			return ATK_ERR_ENCODING;
		c = (c << 6) | (in[i + k] & 0x3f);
	}
	if (n > 1 && c < min[n])
		return ATK_ERR_ENCODING;
	if (c > UNICODE_MAX ||
	    (c >= UTF16_SURROGATE_FIRST && c <= UTF16_SURROGATE_LAST))
		return ATK_ERR_ENCODING;
	*pos = i + n;
	*cp = c;
	return 0;
}

int
utf16le_encoded_len(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t pos = 0, n = 0;
	uint32_t cp;
	int r;

	*outlen = 0;
	while (pos < len) {
		if ((r = utf8_next(in, len, &pos, &cp)) != 0)
			return r;
		n += cp < UNICODE_BMP_END ? 2 : 4;
	}
	*outlen = n;
	return 0;
}

static void
put16(unsigned char *p, uint32_t u)
{
	p[0] = u & 0xff;
	p[1] = (u >> 8) & 0xff;
}

int
utf16le_encode(const char *s, size_t len, void *outv, size_t outsz,
    size_t *outlen)
{
	const unsigned char *in = (const unsigned char *)s;
	unsigned char *out = outv;
	size_t pos = 0, w = 0, need;
	uint32_t cp;
	int r;

	*outlen = 0;
	if ((r = utf16le_encoded_len(s, len, &need)) != 0)
		return r;
	if (outsz < need)
		return ATK_ERR_INVAL;
	while (pos < len) {
		/* Valid: utf16le_encoded_len() has walked the same text. */
		if ((r = utf8_next(in, len, &pos, &cp)) != 0) {
			explicit_bzero(out, w);
			return r;
		}
		if (cp < UNICODE_BMP_END) {
			put16(out + w, cp);
			w += 2;
		} else {
			cp -= UNICODE_BMP_END;
			put16(out + w, UTF16_HIGH_SURROGATE | (cp >> 10));
			put16(out + w + 2, UTF16_LOW_SURROGATE | (cp & 0x3ff));
			w += 4;
		}
	}
	*outlen = w;
	return 0;
}
