/*
 * Base64 decoding, streamed (lib/base64.h): four characters into three
 * bytes with four lookups in a tight loop, left only for what is not an
 * alphabet character (line ends, padding, errors), which a
 * byte-at-a-time state machine handles; 16 characters a step with SSSE3.
 * The tables live in the decoder's own state.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "base64_int.h"
#include "error.h"

/* Decoder byte classes, apart from the values 0..63. */
#define DEC_BAD		0xff	/* Not base64. */
#define DEC_SPACE	0xfe	/* ASCII white space: skipped. */
#define DEC_PAD		0xfd	/* '='. */
#define DEC_EITHER	0xfc	/* '+' '/' '-' '_', alphabet unknown. */

#ifdef B64_SSSE3
/*
 * Sixteen characters per step while they are in the alphabet (alpha 0:
 * letters and digits only, 1: standard, 2: url): each range's characters
 * get its offset added, then pairs and quads of sextets are joined with
 * multiply-adds and the bytes put in order.  A step that meets LF or CR LF
 * after whole groups keeps those groups and goes on after the line end, so
 * lines of any multiple of 4 stay here; anything else ends the run.
 * Stores 16 bytes for at most 12.  Returns the characters done; *outlen
 * is set to the bytes written.
 */
__attribute__((target("ssse3")))
static size_t
decode_ssse3(const unsigned char *in, size_t len, unsigned char *out,
    size_t *outlen, int alpha)
{
	const __m128i c62 = _mm_set1_epi8(alpha == 2 ? '-' : '+');
	const __m128i c63 = _mm_set1_epi8(alpha == 2 ? '_' : '/');
	const __m128i last = _mm_set1_epi8(alpha != 0 ? -1 : 0);
	const __m128i order = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
	    13, 12, -1, -1, -1, -1);
	__m128i c, up, lo, dg, s62, s63, ok, shift, v;
	size_t done = 0, w = 0, k;
	unsigned int mask;

	while (len - done >= B64_SIMD_CHARS) {
		c = _mm_loadu_si128((const void *)(in + done));
		up = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('A' - 1)),
		    _mm_cmplt_epi8(c, _mm_set1_epi8('Z' + 1)));
		lo = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('a' - 1)),
		    _mm_cmplt_epi8(c, _mm_set1_epi8('z' + 1)));
		dg = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
		    _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
		s62 = _mm_and_si128(_mm_cmpeq_epi8(c, c62), last);
		s63 = _mm_and_si128(_mm_cmpeq_epi8(c, c63), last);
		ok = _mm_or_si128(_mm_or_si128(up, lo),
		    _mm_or_si128(dg, _mm_or_si128(s62, s63)));
		mask = (unsigned int)_mm_movemask_epi8(ok);
		shift = _mm_or_si128(
		    _mm_or_si128(_mm_and_si128(up, _mm_set1_epi8(-'A')),
		    _mm_and_si128(lo, _mm_set1_epi8(26 - 'a'))),
		    _mm_or_si128(_mm_and_si128(dg, _mm_set1_epi8(52 - '0')),
		    _mm_or_si128(_mm_and_si128(s62,
		    _mm_sub_epi8(_mm_set1_epi8(62), c62)),
		    _mm_and_si128(s63, _mm_sub_epi8(_mm_set1_epi8(63), c63)))));
		v = _mm_add_epi8(c, shift);
		/* a<<6|b and c<<6|d, then (a<<6|b)<<12|(c<<6|d). */
		v = _mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140));
		v = _mm_madd_epi16(v, _mm_set1_epi32(0x00011000));
		_mm_storeu_si128((void *)(out + w), _mm_shuffle_epi8(v, order));
		if (mask == 0xffff) {
			done += B64_SIMD_CHARS;
			w += B64_SIMD_BYTES;
			continue;
		}
		/* Keep the whole groups before the first other character. */
		k = (size_t)__builtin_ctz(~mask) / B64_GROUP_CHARS;
		done += k * B64_GROUP_CHARS;
		w += k * B64_GROUP_BYTES;
		if (in[done] == '\n')
			done++;
		else if (in[done] == '\r' && in[done + 1] == '\n')
			done += 2;
		else
			break;
	}
	*outlen = w;
	return done;
}
#endif

/*
 * Sets the class of ch and its entries in the fast tables: for each place
 * of a character in a group, the 4-byte word it contributes to the three
 * bytes of output (built byte by byte, so it suits either byte order); a
 * non-value has the fourth byte set instead.
 */
static void
decoder_set(struct base64_decoder *d, unsigned char ch, unsigned int t)
{
	unsigned char w[4][4];

	memset(w, 0, sizeof(w));
	if (t < 64) {
		w[0][0] = (unsigned char)(t << 2);
		w[1][0] = (unsigned char)(t >> 4);
		w[1][1] = (unsigned char)(t << 4);
		w[2][1] = (unsigned char)(t >> 2);
		w[2][2] = (unsigned char)(t << 6);
		w[3][2] = (unsigned char)t;
	} else {
		for (int i = 0; i < 4; i++)
			w[i][3] = 0xff;
	}
	d->tab[ch] = (unsigned char)t;
	for (int i = 0; i < 4; i++)
		memcpy(&d->fast[i][ch], w[i], sizeof(d->fast[i][ch]));
}

/* Fixes the alphabet: url when ch is '-' or '_', standard otherwise. */
static void
decoder_pick(struct base64_decoder *d, int url)
{
	/* With BASE64_GARBAGE the other alphabet's two are skipped. */
	unsigned int other = (d->flags & BASE64_GARBAGE) ? DEC_SPACE : DEC_BAD;

	decoder_set(d, '+', url ? other : 62);
	decoder_set(d, '/', url ? other : 63);
	decoder_set(d, '-', url ? 62 : other);
	decoder_set(d, '_', url ? 63 : other);
}

void
base64_decoder_init(struct base64_decoder *d, int flags)
{
	static const char space[] = " \t\n\v\f\r";
	static const unsigned char bad[4] = { 0, 0, 0, 0xff };

	memset(d, 0, sizeof(*d));
	d->flags = flags;
	memcpy(&d->badmask, bad, sizeof(d->badmask));
	for (unsigned int i = 0; i < 256; i++)
		decoder_set(d, (unsigned char)i, DEC_BAD);
	for (unsigned int i = 0; i < 62; i++)
		decoder_set(d, (unsigned char)base64_std_alphabet[i], i);
	if (flags & BASE64_URL)
		decoder_pick(d, 1);
	else {
		decoder_set(d, '+', DEC_EITHER);
		decoder_set(d, '/', DEC_EITHER);
		decoder_set(d, '-', DEC_EITHER);
		decoder_set(d, '_', DEC_EITHER);
	}
	for (const char *s = space; *s != '\0'; s++)
		decoder_set(d, (unsigned char)*s, DEC_SPACE);
	decoder_set(d, '=', DEC_PAD);
	/* GNU base64 -i: what is not base64 is skipped like white space. */
	for (unsigned int i = 0; (flags & BASE64_GARBAGE) && i < 256; i++)
		if (d->tab[i] == DEC_BAD)
			decoder_set(d, (unsigned char)i, DEC_SPACE);
}

size_t
base64_decoder_bound(size_t len)
{
	/*
	 * Up to three characters carried over make one more group, and a
	 * fast path's store (a word, or an SSSE3 register) may reach up to
	 * B64_STORE_MAX bytes past where it starts: past the last byte
	 * written, when the characters it read are not all data.
	 */
	return (len / B64_GROUP_CHARS + 1) * B64_GROUP_BYTES + B64_STORE_MAX;
}

/* Writes the bytes of a group of nq characters (2, 3 or 4). */
static unsigned char *
decoder_emit(struct base64_decoder *d, unsigned char *o)
{
	uint32_t a = d->acc;

	switch (d->nq) {
	case 4:
		*o++ = (unsigned char)(a >> 16);
		*o++ = (unsigned char)(a >> 8);
		*o++ = (unsigned char)a;
		break;
	case 3:
		*o++ = (unsigned char)(a >> 10);
		*o++ = (unsigned char)(a >> 2);
		break;
	case 2:
		*o++ = (unsigned char)(a >> 4);
		break;
	}
	d->acc = 0;
	d->nq = 0;
	d->npad = 0;
	return o;
}

/* One byte through the state machine; pos is its offset. */
static int
decoder_byte(struct base64_decoder *d, unsigned char ch, uint64_t pos,
    unsigned char **op)
{
	unsigned int t = d->tab[ch];

	if (t == DEC_EITHER) {
		decoder_pick(d, ch == '-' || ch == '_');
		t = d->tab[ch];
	}
	if (t < 64) {
		/* Data after '=' in the same group. */
		if (d->npad > 0)
			goto bad;
		if (d->nq == 0)
			d->qpos = pos;
		d->acc = d->acc << 6 | t;
		if (++d->nq == B64_GROUP_CHARS)
			*op = decoder_emit(d, *op);
		return 0;
	}
	if (t == DEC_SPACE)
		return 0;
	/* '=' may only follow two or three characters of a group. */
	if (t == DEC_PAD && d->nq >= 2) {
		if (d->nq + ++d->npad == B64_GROUP_CHARS)
			*op = decoder_emit(d, *op);
		return 0;
	}
bad:
	d->errpos = pos;
	return d->err = ATK_ERR_BASE64;
}

int
base64_decoder_update(struct base64_decoder *d, const void *inv, size_t len,
    void *outv, size_t *outlen)
{
	const unsigned char *in = inv, *p = in, *end = in + len;
	const uint32_t *f0 = d->fast[0], *f1 = d->fast[1];
	const uint32_t *f2 = d->fast[2], *f3 = d->fast[3];
	const uint32_t badmask = d->badmask;
	unsigned char *out = outv, *o = out;
	uint32_t x, y;
	int r = 0;
#ifdef B64_SSSE3
	int simd = !(d->flags & BASE64_SCALAR) &&
	    __builtin_cpu_supports("ssse3");
	size_t k;
#endif

	*outlen = 0;
	if (d->err != 0)
		return d->err;
	while (p < end) {
		/*
		 * Whole groups of alphabet characters, two at a time: each
		 * writes four bytes, the last of them overwritten next (the
		 * bound leaves room for it).
		 */
		if (d->nq == 0 && d->npad == 0) {
#ifdef B64_SSSE3
			if (simd && end - p >= B64_SIMD_CHARS) {
				p += decode_ssse3(p, (size_t)(end - p), o, &k,
				    d->tab['+'] == 62 ? 1 :
				    d->tab['-'] == 62 ? 2 : 0);
				o += k;
			}
#endif
			while (end - p >= 2 * B64_GROUP_CHARS) {
				x = f0[p[0]] | f1[p[1]] | f2[p[2]] | f3[p[3]];
				y = f0[p[4]] | f1[p[5]] | f2[p[6]] | f3[p[7]];
				if ((x | y) & badmask)
					break;
				memcpy(o, &x, sizeof(x));
				memcpy(o + B64_GROUP_BYTES, &y, sizeof(y));
				p += 2 * B64_GROUP_CHARS;
				o += 2 * B64_GROUP_BYTES;
			}
			if (end - p >= B64_GROUP_CHARS) {
				x = f0[p[0]] | f1[p[1]] | f2[p[2]] | f3[p[3]];
				if ((x & badmask) == 0) {
					memcpy(o, &x, sizeof(x));
					p += B64_GROUP_CHARS;
					o += B64_GROUP_BYTES;
					continue;
				}
			}
			/* Line ends between groups change nothing. */
			if (p < end && (*p == '\n' || *p == '\r')) {
				p++;
				continue;
			}
			if (p == end)
				break;
		}
		if ((r = decoder_byte(d, *p, d->pos + (uint64_t)(p - in),
		    &o)) != 0)
			break;
		p++;
	}
	d->pos += (uint64_t)(p - in);
	d->nout += (uint64_t)(o - out);
	*outlen = (size_t)(o - out);
	return r;
}

int
base64_decoder_final(struct base64_decoder *d, void *outv, size_t *outlen)
{
	unsigned char *out = outv;

	*outlen = 0;
	if (d->err != 0)
		return d->err;
	if (d->nq == 1) {
		d->errpos = d->qpos;
		return d->err = ATK_ERR_TRUNCATED;
	}
	*outlen = (size_t)(decoder_emit(d, out) - out);
	d->nout += *outlen;
	return 0;
}

int
base64_decode(const char *in, size_t len, void *outv, size_t outsz,
    size_t *outlen, int flags, size_t *errpos)
{
	struct base64_decoder d;
	/* base64_decoder_bound(B64_ONESHOT_CHARS). */
	unsigned char stage[(B64_ONESHOT_CHARS / B64_GROUP_CHARS + 1) *
	    B64_GROUP_BYTES + B64_STORE_MAX];
	unsigned char *out = outv;
	size_t n, k, w = 0;
	int r = 0;

	*outlen = 0;
	*errpos = 0;
	base64_decoder_init(&d, flags);
	/* Through a small buffer, so out need only hold the result. */
	while (len > 0 || d.nq > 0) {
		k = len < B64_ONESHOT_CHARS ? len : B64_ONESHOT_CHARS;
		if (k > 0)
			r = base64_decoder_update(&d, in, k, stage, &n);
		else
			r = base64_decoder_final(&d, stage, &n);
		if (r != 0) {
			*errpos = (size_t)d.errpos;
			goto out;
		}
		if (n > outsz - w) {
			r = ATK_ERR_INVAL;
			goto out;
		}
		memcpy(out + w, stage, n);
		w += n;
		in += k;
		len -= k;
	}
	*outlen = w;
out:
	if (r != 0)
		explicit_bzero(out, w);
	explicit_bzero(stage, sizeof(stage));
	explicit_bzero(&d, sizeof(d));
	return r;
}
