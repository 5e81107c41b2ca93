/*
 * Byte-order marks and UTF-16LE input, streamed.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "textin.h"

#define UTF16_UNIT	2	/* Bytes in a UTF-16 code unit. */
#define ASCII_MAX	0x7f

static const unsigned char bom_utf8[] = { 0xef, 0xbb, 0xbf };
static const unsigned char bom_utf16le[] = { 0xff, 0xfe };
static const unsigned char bom_utf16be[] = { 0xfe, 0xff };

void
textin_init(struct textin *t)
{
	memset(t, 0, sizeof(*t));
	t->enc = TEXTIN_DETECT;
}

/* Whether the bytes held could still grow into a byte-order mark. */
static int
maybe_bom(const struct textin *t)
{
	if (t->nheld >= sizeof(bom_utf8))
		return 0;
	return memcmp(t->held, bom_utf8, t->nheld) == 0 ||
	    (t->nheld < sizeof(bom_utf16le) &&
	    (t->held[0] == bom_utf16le[0] || t->held[0] == bom_utf16be[0]));
}

/* Settles the encoding from the bytes held; plain text goes to *text. */
static int
detect(struct textin *t, const unsigned char **text, size_t *textlen)
{
	if (t->nheld == sizeof(bom_utf8) &&
	    memcmp(t->held, bom_utf8, sizeof(bom_utf8)) == 0) {
		t->bom = sizeof(bom_utf8);
		t->enc = TEXTIN_PLAIN;
	} else if (t->nheld >= sizeof(bom_utf16le) &&
	    memcmp(t->held, bom_utf16le, sizeof(bom_utf16le)) == 0) {
		t->bom = sizeof(bom_utf16le);
		t->enc = TEXTIN_UTF16LE;
		/* The byte after the mark begins the first code unit. */
		if (t->nheld > sizeof(bom_utf16le)) {
			t->odd = 1;
			t->oddbyte = t->held[sizeof(bom_utf16le)];
		}
	} else if (t->nheld >= sizeof(bom_utf16be) &&
	    memcmp(t->held, bom_utf16be, sizeof(bom_utf16be)) == 0) {
		t->errpos = 0;
		return ATK_ERR_ENCODING;
	} else {
		t->enc = TEXTIN_PLAIN;
		*text = t->held;
		*textlen = t->nheld;
	}
	t->nheld = 0;
	return 0;
}

int
textin_next(struct textin *t, const unsigned char **in, size_t *len,
    const unsigned char **text, size_t *textlen, unsigned char *scratch,
    size_t scratchsz)
{
	const unsigned char *p = *in, *end = *in + *len;
	size_t n = 0;
	int r = 0;

	*text = NULL;
	*textlen = 0;
	switch (t->enc) {
	case TEXTIN_DETECT:
		while (p < end && (t->nheld == 0 || maybe_bom(t)))
			t->held[t->nheld++] = *p++;
		if (t->nheld > 0 && !maybe_bom(t))
			r = detect(t, text, textlen);
		break;
	case TEXTIN_PLAIN:
		*text = p;
		*textlen = *len;
		p = end;
		break;
	case TEXTIN_UTF16LE:
		if (t->odd && p < end) {
			if (*p != 0 || t->oddbyte > ASCII_MAX) {
				t->errpos = t->pos - 1;
				r = ATK_ERR_ENCODING;
				break;
			}
			scratch[n++] = t->oddbyte;
			t->odd = 0;
			p++;
		}
		while (n < scratchsz && end - p >= UTF16_UNIT) {
			if (p[1] != 0 || p[0] > ASCII_MAX) {
				t->errpos = t->pos + (uint64_t)(p - *in);
				r = ATK_ERR_ENCODING;
				break;
			}
			scratch[n++] = p[0];
			p += UTF16_UNIT;
		}
		if (r == 0 && n < scratchsz && end - p == 1) {
			t->odd = 1;
			t->oddbyte = *p++;
		}
		*text = scratch;
		*textlen = n;
		break;
	}
	t->pos += (uint64_t)(p - *in);
	*len -= (size_t)(p - *in);
	*in = p;
	return r;
}

int
textin_final(struct textin *t, const unsigned char **text, size_t *textlen)
{
	*text = NULL;
	*textlen = 0;
	if (t->enc == TEXTIN_DETECT && t->nheld > 0)
		return detect(t, text, textlen);
	if (t->enc == TEXTIN_UTF16LE && t->odd) {
		t->errpos = t->pos - 1;
		return ATK_ERR_ENCODING;
	}
	return 0;
}

uint64_t
textin_offset(const struct textin *t, uint64_t off)
{
	return t->bom + (t->enc == TEXTIN_UTF16LE ? off * UTF16_UNIT : off);
}

/* Append n bytes of text at text to out (outsz), at *w. */
static int
whole_put(unsigned char *out, size_t outsz, size_t *w,
    const unsigned char *text, size_t n)
{
	if (n > outsz - *w)
		return ATK_ERR_TOOLONG;
	/* UTF-16LE text is made in place. */
	if (n > 0 && text != out + *w)
		memmove(out + *w, text, n);
	*w += n;
	return 0;
}

int
textin_whole(const void *inv, size_t len, void *outv, size_t outsz,
    size_t *outlen)
{
	const unsigned char *in = inv, *text;
	unsigned char *out = outv;
	struct textin t;
	size_t w = 0, n;
	int r = 0, tr;

	*outlen = 0;
	textin_init(&t);
	while (len > 0) {
		/* UTF-16LE text is made in out: no room left, too long. */
		if (t.enc == TEXTIN_UTF16LE && w == outsz) {
			r = ATK_ERR_TOOLONG;
			goto out;
		}
		tr = textin_next(&t, &in, &len, &text, &n, out + w, outsz - w);
		if ((r = whole_put(out, outsz, &w, text, n)) != 0 ||
		    (r = tr) != 0)
			goto out;
	}
	if ((r = textin_final(&t, &text, &n)) != 0 ||
	    (r = whole_put(out, outsz, &w, text, n)) != 0)
		goto out;
	*outlen = w;
 out:
	explicit_bzero(&t, sizeof(t));
	return r;
}
