/*
 * Base64 encoding, streamed (the decoder is lib/base64_decode.c).
 *
 * The encoder turns 12 bits into two characters with one table lookup and
 * writes whole lines at a time; the decoder turns four characters into three
 * bytes with four lookups in a tight loop and leaves it only for what is not
 * an alphabet character (line ends, padding, errors), which a byte-at-a-time
 * state machine handles.  Where the CPU has SSSE3 both do 16 characters a
 * step instead.  No table is built at run time: the encoder's tables are
 * constant expressions, the decoder's lives in its own state.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "base64_int.h"
#include "error.h"

const char base64_std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define B64_STAGE_GROUPS 256	/* Groups encoded at once for odd widths. */

/* The character for a 6-bit value, as an integer constant expression. */
#define B64_CHAR(v, c62, c63)						\
	((char)((v) < 26 ? 'A' + (v) : (v) < 52 ? 'a' + ((v) - 26) :	\
	    (v) < 62 ? '0' + ((v) - 52) : (v) == 62 ? (c62) : (c63)))
/* The two characters for a 12-bit value, and runs of such pairs. */
#define B64_PAIR(i, a, b)						\
	{ B64_CHAR((i) >> 6, a, b), B64_CHAR((i) & 63, a, b) }
#define B64_PAIRS4(i, a, b)						\
	B64_PAIR(i, a, b), B64_PAIR((i) + 1, a, b),			\
	B64_PAIR((i) + 2, a, b), B64_PAIR((i) + 3, a, b)
#define B64_PAIRS16(i, a, b)						\
	B64_PAIRS4(i, a, b), B64_PAIRS4((i) + 4, a, b),			\
	B64_PAIRS4((i) + 8, a, b), B64_PAIRS4((i) + 12, a, b)
#define B64_PAIRS64(i, a, b)						\
	B64_PAIRS16(i, a, b), B64_PAIRS16((i) + 16, a, b),		\
	B64_PAIRS16((i) + 32, a, b), B64_PAIRS16((i) + 48, a, b)
#define B64_PAIRS256(i, a, b)						\
	B64_PAIRS64(i, a, b), B64_PAIRS64((i) + 64, a, b),		\
	B64_PAIRS64((i) + 128, a, b), B64_PAIRS64((i) + 192, a, b)
#define B64_PAIRS1024(i, a, b)						\
	B64_PAIRS256(i, a, b), B64_PAIRS256((i) + 256, a, b),		\
	B64_PAIRS256((i) + 512, a, b), B64_PAIRS256((i) + 768, a, b)
#define B64_PAIRS4096(a, b)						\
	B64_PAIRS1024(0, a, b), B64_PAIRS1024(1024, a, b),		\
	B64_PAIRS1024(2048, a, b), B64_PAIRS1024(3072, a, b)

static const char std_pairs[4096][2] = { B64_PAIRS4096('+', '/') };
static const char url_pairs[4096][2] = { B64_PAIRS4096('-', '_') };

size_t
base64_encoded_len(size_t len, int flags)
{
	if (flags & BASE64_NOPAD)
		return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	return (len + 2) / 3 * 4;
}

int
base64_encode(const void *in, size_t len, char *out, size_t outsz, int flags)
{
	struct base64_encoder e;
	size_t n;

	if (len > (((size_t)-1) / 4 - 1) ||
	    outsz < base64_encoded_len(len, flags) + 1)
		return ATK_ERR_INVAL;
	base64_encoder_init(&e, flags, 0, 0);
	n = base64_encoder_update(&e, in, len, out);
	n += base64_encoder_final(&e, out + n);
	out[n] = '\0';
	return 0;
}

void
base64_encoder_init(struct base64_encoder *e, int flags, size_t cols,
    int crlf)
{
	memset(e, 0, sizeof(*e));
	e->flags = flags;
	e->cols = cols;
	e->crlf = crlf;
}

size_t
base64_encoder_bound(const struct base64_encoder *e, size_t len)
{
	size_t chars = (e->ntail + len + 2) / 3 * 4;

	if (e->cols == 0)
		return chars;
	/* Room for a line end after every cols characters, plus the last. */
	return chars + (chars / e->cols + 2) * 2;
}

static size_t
eol(const struct base64_encoder *e, char *out)
{
	if (e->crlf) {
		out[0] = '\r';
		out[1] = '\n';
		return 2;
	}
	out[0] = '\n';
	return 1;
}

/* Copies n characters out, breaking lines where they fill up. */
static size_t
put(struct base64_encoder *e, char *out, const char *s, size_t n)
{
	size_t w = 0, k;

	if (e->cols == 0) {
		memcpy(out, s, n);
		return n;
	}
	while (n > 0) {
		k = e->cols - e->col;
		if (k > n)
			k = n;
		memcpy(out + w, s, k);
		w += k;
		s += k;
		n -= k;
		e->col += k;
		if (e->col == e->cols) {
			w += eol(e, out + w);
			e->col = 0;
		}
	}
	return w;
}

/* Big-endian 8 bytes; compilers make it one load and a byte swap. */
static inline uint64_t
load_be64(const unsigned char *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

#ifdef B64_SSSE3
/*
 * Four groups per step: the 12 bytes are spread one group to a 32-bit
 * lane, the four sextets of each cut out with two multiplies, and turned
 * into characters by adding an offset looked up by range (A-Z, a-z, 0-9,
 * the two last).  A step loads 16 bytes and stores 16 characters.
 */
struct enc_simd {
	__m128i	spread;
	__m128i	offsets;
};

__attribute__((target("ssse3")))
static inline void
enc_simd_init(struct enc_simd *k, int url)
{
	k->spread = _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9,
	    11, 10);
	k->offsets = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
	    '0' - 52, (char)((url ? '-' : '+') - 62),
	    (char)((url ? '_' : '/') - 63), 'A', 0, 0);
}

__attribute__((target("ssse3"), always_inline))
static inline void
enc_simd_step(const struct enc_simd *k, const unsigned char *in, char *out)
{
	__m128i v, ac, bd, idx, range;

	v = _mm_shuffle_epi8(_mm_loadu_si128((const void *)in), k->spread);
	ac = _mm_mulhi_epu16(_mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00)),
	    _mm_set1_epi32(0x04000040));
	bd = _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi32(0x003f03f0)),
	    _mm_set1_epi32(0x01000010));
	idx = _mm_or_si128(ac, bd);
	/* 0..25 -> 13, 26..51 -> 0, 52..63 -> 1..12. */
	range = _mm_or_si128(_mm_subs_epu8(idx, _mm_set1_epi8(51)),
	    _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26), idx),
	    _mm_set1_epi8(13)));
	_mm_storeu_si128((void *)out, _mm_add_epi8(idx,
	    _mm_shuffle_epi8(k->offsets, range)));
}

/*
 * n groups, with extra more groups after them to read and write over
 * (their output is written later).  Returns the groups done.
 */
__attribute__((target("ssse3")))
static size_t
encode_ssse3(const unsigned char *in, size_t n, size_t extra, char *out,
    int url)
{
	struct enc_simd k;
	size_t done;

	enc_simd_init(&k, url);
	for (done = 0; done < n && n - done + extra >= 6;
	    done += n - done < 4 ? n - done : 4) {
		enc_simd_step(&k, in, out);
		in += 4 * B64_GROUP_BYTES;
		out += 4 * B64_GROUP_CHARS;
	}
	return done;
}

/*
 * Whole lines of per groups each, ended by eol, while a line and 6 more
 * groups are left (the last step of a line reads into the next and writes
 * over where its line end and the next line go).  Returns the lines done.
 */
__attribute__((target("ssse3")))
static size_t
encode_lines_ssse3(const unsigned char *in, size_t groups, size_t per,
    int crlf, char *out, int url)
{
	struct enc_simd k;
	size_t lines;

	enc_simd_init(&k, url);
	for (lines = 0; groups >= per + 6; lines++, groups -= per) {
		for (size_t j = 0; j < per; j += 4)
			enc_simd_step(&k, in + j * B64_GROUP_BYTES,
			    out + j * B64_GROUP_CHARS);
		in += per * B64_GROUP_BYTES;
		out += per * B64_GROUP_CHARS;
		if (crlf)
			*out++ = '\r';
		*out++ = '\n';
	}
	return lines;
}

#endif

/*
 * Whole groups, no line ends: 3n bytes in, 4n characters out.  The extra
 * groups after them may be read and their output overwritten.
 */
static void
encode_groups(const char (*pairs)[2], const unsigned char *in, size_t n,
    size_t extra, char *out, int flags)
{
	uint64_t x, y;
	uint32_t z;
#ifdef B64_SSSE3
	size_t k;

	if (n + extra >= 6 && !(flags & BASE64_SCALAR) &&
	    __builtin_cpu_supports("ssse3")) {
		k = encode_ssse3(in, n, extra, out, pairs == url_pairs);
		in += k * B64_GROUP_BYTES;
		out += k * B64_GROUP_CHARS;
		n -= k;
	}
#endif

	/*
	 * Four groups per turn from two 8-byte loads, each using its first
	 * six bytes; the last load reads 2 bytes past the 12, so this stops
	 * while more than four groups are left.
	 */
	for (; n > 4; n -= 4) {
		x = load_be64(in);
		y = load_be64(in + 6);
		memcpy(out, pairs[x >> 52], 2);
		memcpy(out + 2, pairs[(x >> 40) & 0xfff], 2);
		memcpy(out + 4, pairs[(x >> 28) & 0xfff], 2);
		memcpy(out + 6, pairs[(x >> 16) & 0xfff], 2);
		memcpy(out + 8, pairs[y >> 52], 2);
		memcpy(out + 10, pairs[(y >> 40) & 0xfff], 2);
		memcpy(out + 12, pairs[(y >> 28) & 0xfff], 2);
		memcpy(out + 14, pairs[(y >> 16) & 0xfff], 2);
		in += 12;
		out += 16;
	}
	for (; n > 0; n--) {
		z = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		memcpy(out, pairs[z >> 12], 2);
		memcpy(out + 2, pairs[z & 0xfff], 2);
		in += 3;
		out += 4;
	}
}

size_t
base64_encoder_update(struct base64_encoder *e, const void *inv, size_t len,
    char *out)
{
	const char (*pairs)[2] = (e->flags & BASE64_URL) ? url_pairs :
	    std_pairs;
	const unsigned char *in = inv;
	char stage[B64_STAGE_GROUPS * B64_GROUP_CHARS];
	size_t w = 0, groups, k;
#ifdef B64_SSSE3
	int simd = !(e->flags & BASE64_SCALAR) &&
	    __builtin_cpu_supports("ssse3");
#endif

	/* First complete a group begun by an earlier call. */
	if (e->ntail > 0) {
		while (e->ntail < B64_GROUP_BYTES && len > 0) {
			e->tail[e->ntail++] = *in++;
			len--;
		}
		if (e->ntail < B64_GROUP_BYTES)
			return 0;
		encode_groups(pairs, e->tail, 1, 0, stage, e->flags);
		w += put(e, out, stage, B64_GROUP_CHARS);
		e->ntail = 0;
	}
	groups = len / B64_GROUP_BYTES;
	if (e->cols == 0) {
		encode_groups(pairs, in, groups, 0, out + w, e->flags);
		w += groups * B64_GROUP_CHARS;
		in += groups * B64_GROUP_BYTES;
	} else if (e->cols % B64_GROUP_CHARS == 0) {
		/* Groups never straddle a line: encode straight out. */
		while (groups > 0) {
#ifdef B64_SSSE3
			/* Whole lines at a time once at a line's start. */
			if (e->col == 0 && simd) {
				k = encode_lines_ssse3(in, groups,
				    e->cols / B64_GROUP_CHARS, e->crlf,
				    out + w, e->flags & BASE64_URL);
				groups -= k * (e->cols / B64_GROUP_CHARS);
				in += k * (e->cols / B64_GROUP_CHARS) *
				    B64_GROUP_BYTES;
				w += k * (e->cols + (e->crlf ? 2 : 1));
				if (groups == 0)
					break;
			}
#endif
			k = (e->cols - e->col) / B64_GROUP_CHARS;
			if (k > groups)
				k = groups;
			encode_groups(pairs, in, k, groups - k, out + w,
			    e->flags);
			in += k * B64_GROUP_BYTES;
			w += k * B64_GROUP_CHARS;
			e->col += k * B64_GROUP_CHARS;
			groups -= k;
			if (e->col == e->cols) {
				w += eol(e, out + w);
				e->col = 0;
			}
		}
	} else {
		while (groups > 0) {
			k = groups < B64_STAGE_GROUPS ? groups :
			    B64_STAGE_GROUPS;
			encode_groups(pairs, in, k, 0, stage, e->flags);
			w += put(e, out + w, stage, k * B64_GROUP_CHARS);
			in += k * B64_GROUP_BYTES;
			groups -= k;
		}
	}
	e->ntail = len % B64_GROUP_BYTES;
	memcpy(e->tail, in, e->ntail);
	explicit_bzero(stage, sizeof(stage));
	return w;
}

size_t
base64_encoder_final(struct base64_encoder *e, char *out)
{
	const char (*pairs)[2] = (e->flags & BASE64_URL) ? url_pairs :
	    std_pairs;
	unsigned char p[B64_GROUP_BYTES] = { 0, 0, 0 };
	size_t w = 0, n;
	char q[B64_GROUP_CHARS];

	if (e->ntail > 0) {
		memcpy(p, e->tail, e->ntail);
		encode_groups(pairs, p, 1, 0, q, e->flags);
		n = e->ntail + 1;
		if (!(e->flags & BASE64_NOPAD)) {
			for (; n < B64_GROUP_CHARS; n++)
				q[n] = '=';
		}
		w += put(e, out + w, q, n);
		e->ntail = 0;
	}
	if (e->cols != 0 && e->col != 0) {
		w += eol(e, out + w);
		e->col = 0;
	}
	explicit_bzero(p, sizeof(p));
	explicit_bzero(q, sizeof(q));
	explicit_bzero(e->tail, sizeof(e->tail));
	return w;
}
