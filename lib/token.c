/*
 * Token text: generate and parse native tokens, recognise imported ones.
 *
 * A native token is <prefix>_<id>_<secret><checksum>; the checksum is the
 * base62 of the big-endian CRC-32 of everything before it, so a typo or a
 * cut-off copy is caught here, before any store is opened.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "base62.h"
#include "crc32.h"
#include "error.h"
#include "random.h"
#include "token.h"

#define TOKEN_SEP		'_'
#define TOKEN_CRC_BYTES		4
/* Characters after the prefix: "_" id "_" secret checksum. */
#define TOKEN_TAIL_CHARS	(1 + TOKEN_ID_CHARS + 1 + TOKEN_SECRET_CHARS + \
	TOKEN_CHECKSUM_CHARS)
#define TOKEN_SECRET_BUFSZ	(TOKEN_SECRET_CHARS + 1)
#define TOKEN_CHECKSUM_BUFSZ	(TOKEN_CHECKSUM_CHARS + 1)

/*
 * Fixed-width base62 for the token's own sizes (4, 16 and 32 bytes), on
 * 32-bit limbs five digits at a time (62^5 < 2^30): the same text as
 * base62_encode(), some ten times faster, and without an allocation.
 * verify_token() parses a token and formats an id on every login.
 */
#define B62_GROUP		5
#define B62_GROUP_BASE		916132832U	/* 62^5 */
#define B62_MAX_LIMBS		(TOKEN_SECRET_BYTES / 4)

static const uint32_t b62_pow[B62_GROUP + 1] = {
	1, 62, 3844, 238328, 14776336, B62_GROUP_BASE
};

static int
prefix_lead(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
prefix_char(int c)
{
	return prefix_lead(c) || (c >= '0' && c <= '9');
}

/* Printable ASCII: no NUL, no control character, no DEL, no 8-bit byte. */
static int
token_char(int c)
{
	return c >= 0x20 && c < 0x7f;
}

int
token_prefix_valid(const char *p)
{
	size_t i;

	if (p == NULL || !prefix_lead((unsigned char)p[0]))
		return 0;
	for (i = 1; p[i] != '\0'; i++)
		if (i >= TOKEN_PREFIX_MAX || !prefix_char((unsigned char)p[i]))
			return 0;
	return 1;
}

/* Digit value plus one of every byte, 0 for a non-digit: no branches. */
static const unsigned char b62_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['G'] = 17,
	['H'] = 18, ['I'] = 19, ['J'] = 20, ['K'] = 21, ['L'] = 22,
	['M'] = 23, ['N'] = 24, ['O'] = 25, ['P'] = 26, ['Q'] = 27,
	['R'] = 28, ['S'] = 29, ['T'] = 30, ['U'] = 31, ['V'] = 32,
	['W'] = 33, ['X'] = 34, ['Y'] = 35, ['Z'] = 36, ['a'] = 37,
	['b'] = 38, ['c'] = 39, ['d'] = 40, ['e'] = 41, ['f'] = 42,
	['g'] = 43, ['h'] = 44, ['i'] = 45, ['j'] = 46, ['k'] = 47,
	['l'] = 48, ['m'] = 49, ['n'] = 50, ['o'] = 51, ['p'] = 52,
	['q'] = 53, ['r'] = 54, ['s'] = 55, ['t'] = 56, ['u'] = 57,
	['v'] = 58, ['w'] = 59, ['x'] = 60, ['y'] = 61, ['z'] = 62
};

static int
b62_value(int c)
{
	return (int)b62_table[c & 0xff] - 1;
}

/* nbytes (a multiple of 4, at most 32) big-endian into nchars digits. */
static void
b62_encode(const unsigned char *in, size_t nbytes, char *out, size_t nchars)
{
	uint32_t limb[B62_MAX_LIMBS], g;
	size_t nl = nbytes / 4, pos = nchars, i, k;
	uint64_t cur, rem;

	for (i = 0; i < nl; i++)
		limb[i] = (uint32_t)in[4 * i] << 24 |
		    (uint32_t)in[4 * i + 1] << 16 |
		    (uint32_t)in[4 * i + 2] << 8 | in[4 * i + 3];
	out[nchars] = '\0';
	while (pos > 0) {
		rem = 0;
		for (i = 0; i < nl; i++) {
			cur = rem << 32 | limb[i];
			limb[i] = (uint32_t)(cur / B62_GROUP_BASE);
			rem = cur % B62_GROUP_BASE;
		}
		g = (uint32_t)rem;
		for (k = 0; k < B62_GROUP && pos > 0; k++) {
			out[--pos] = BASE62_ALPHABET[g % 62];
			g /= 62;
		}
	}
	explicit_bzero(limb, sizeof(limb));
}

/*
 * nchars digits into an nbytes (a multiple of 4, at most 32) big-endian
 * number: ATK_ERR_SYNTAX for a non-digit, ATK_ERR_OVERFLOW if it does not
 * fit.
 */
static int
b62_decode(const char *s, size_t nchars, unsigned char *out, size_t nbytes)
{
	uint32_t limb[B62_MAX_LIMBS], chunk;
	size_t nl = nbytes / 4, i, j, take;
	uint64_t carry;
	int d, r = 0;

	memset(limb, 0, sizeof(limb));
	for (i = 0; i < nchars; i += take) {
		take = nchars - i < B62_GROUP ? nchars - i : B62_GROUP;
		chunk = 0;
		for (j = 0; j < take; j++) {
			if ((d = b62_value((unsigned char)s[i + j])) < 0) {
				r = ATK_ERR_SYNTAX;
				goto out;
			}
			chunk = chunk * 62 + (uint32_t)d;
		}
		carry = chunk;
		for (j = nl; j > 0; j--) {
			carry += (uint64_t)limb[j - 1] * b62_pow[take];
			limb[j - 1] = (uint32_t)carry;
			carry >>= 32;
		}
		if (carry != 0) {
			r = ATK_ERR_OVERFLOW;
			goto out;
		}
	}
	for (i = 0; i < nl; i++) {
		out[4 * i] = (unsigned char)(limb[i] >> 24);
		out[4 * i + 1] = (unsigned char)(limb[i] >> 16);
		out[4 * i + 2] = (unsigned char)(limb[i] >> 8);
		out[4 * i + 3] = (unsigned char)limb[i];
	}
 out:
	explicit_bzero(limb, sizeof(limb));
	return r;
}

static void
crc_bytes(const char *text, size_t len, unsigned char *be)
{
	uint32_t crc;

	crc = crc32_buf(text, len);
	be[0] = (unsigned char)(crc >> 24);
	be[1] = (unsigned char)(crc >> 16);
	be[2] = (unsigned char)(crc >> 8);
	be[3] = (unsigned char)crc;
}

/*
 * Fill tok with a new random secret for the given prefix and id and write
 * the token text to buf.
 */
static int
token_build(const char *prefix, const unsigned char *id, struct token *tok,
    char *buf, size_t bufsz)
{
	char secret[TOKEN_SECRET_BUFSZ], sum[TOKEN_CHECKSUM_BUFSZ];
	unsigned char crc[TOKEN_CRC_BYTES];
	size_t plen, n;
	int r;

	memset(tok, 0, sizeof(*tok));
	if (!token_prefix_valid(prefix))
		return ATK_ERR_INVAL;
	plen = strlen(prefix);
	n = plen + TOKEN_TAIL_CHARS;
	if (buf == NULL || bufsz < n + 1)
		return ATK_ERR_INVAL;
	tok->kind = TOKEN_NATIVE;
	memcpy(tok->prefix, prefix, plen + 1);
	memcpy(tok->id, id, TOKEN_ID_BYTES);
	if ((r = random_buf(tok->secret, sizeof(tok->secret))) != 0)
		goto out;
	memcpy(buf, prefix, plen);
	buf[plen] = TOKEN_SEP;
	token_id_format(tok->id, buf + plen + 1);
	buf[plen + 1 + TOKEN_ID_CHARS] = TOKEN_SEP;
	b62_encode(tok->secret, sizeof(tok->secret), secret,
	    TOKEN_SECRET_CHARS);
	memcpy(buf + plen + 2 + TOKEN_ID_CHARS, secret, TOKEN_SECRET_CHARS);
	crc_bytes(buf, n - TOKEN_CHECKSUM_CHARS, crc);
	b62_encode(crc, sizeof(crc), sum, TOKEN_CHECKSUM_CHARS);
	memcpy(buf + n - TOKEN_CHECKSUM_CHARS, sum, TOKEN_CHECKSUM_CHARS);
	buf[n] = '\0';
	tok->text = buf;
	tok->len = n;
 out:
	explicit_bzero(secret, sizeof(secret));
	if (r != 0) {
		explicit_bzero(buf, bufsz);
		token_clear(tok);
	}
	return r;
}

int
token_generate(const char *prefix, struct token *tok, char *buf,
    size_t bufsz)
{
	unsigned char id[TOKEN_ID_BYTES];
	int r;

	memset(tok, 0, sizeof(*tok));
	if ((r = random_buf(id, sizeof(id))) != 0)
		return r;
	return token_build(prefix, id, tok, buf, bufsz);
}

int
token_regenerate(const char *prefix, const unsigned char *id,
    struct token *tok, char *buf, size_t bufsz)
{
	return token_build(prefix, id, tok, buf, bufsz);
}

static int
all_base62(const char *s, size_t n)
{
	unsigned int bad = 0;
	size_t i;

	/* Random digits would mispredict a branch per character. */
	for (i = 0; i < n; i++)
		bad |= b62_table[(unsigned char)s[i]] == 0;
	return bad == 0;
}

/*
 * The length of the prefix if text has the exact native shape, else 0.
 */
static size_t
native_shape(const char *text, size_t len)
{
	size_t plen, at;

	if (len == 0 || !prefix_lead((unsigned char)text[0]))
		return 0;
	for (plen = 1; plen < len && plen < TOKEN_PREFIX_MAX &&
	    prefix_char((unsigned char)text[plen]); plen++)
		;
	if (plen + TOKEN_TAIL_CHARS != len || text[plen] != TOKEN_SEP)
		return 0;
	at = plen + 1;
	if (!all_base62(text + at, TOKEN_ID_CHARS))
		return 0;
	at += TOKEN_ID_CHARS;
	if (text[at] != TOKEN_SEP)
		return 0;
	at++;
	if (!all_base62(text + at, TOKEN_SECRET_CHARS + TOKEN_CHECKSUM_CHARS))
		return 0;
	return plen;
}

/*
 * 1 if text starts like a native token: a prefix, '_', 22 digits and '_'.
 * Such a text is a native token or a damaged one, never an imported one:
 * a copy cut short, one with a character added, or one with a stray
 * character in its secret is a checksum error before any store is read.
 */
static int
native_head(const char *text, size_t len)
{
	size_t plen;

	if (len == 0 || !prefix_lead((unsigned char)text[0]))
		return 0;
	for (plen = 1; plen < len && plen < TOKEN_PREFIX_MAX &&
	    prefix_char((unsigned char)text[plen]); plen++)
		;
	return len >= plen + 2 + TOKEN_ID_CHARS && text[plen] == TOKEN_SEP &&
	    all_base62(text + plen + 1, TOKEN_ID_CHARS) &&
	    text[plen + 1 + TOKEN_ID_CHARS] == TOKEN_SEP;
}

int
token_parse(const char *text, size_t len, struct token *tok)
{
	unsigned char crc[TOKEN_CRC_BYTES], sum[TOKEN_CRC_BYTES];
	size_t i, plen, at;

	memset(tok, 0, sizeof(*tok));
	if (text == NULL)
		return ATK_ERR_INVAL;
	if (len > TOKEN_MAX_LEN)
		return ATK_ERR_TOOLONG;
	for (i = 0; i < len; i++)
		if (!token_char((unsigned char)text[i]))
			return ATK_ERR_SYNTAX;
	if ((plen = native_shape(text, len)) == 0) {
		if (native_head(text, len))
			return ATK_ERR_CHECKSUM;
		if (len < TOKEN_IMPORT_MIN)
			return ATK_ERR_SYNTAX;
		tok->kind = TOKEN_IMPORTED;
		tok->text = text;
		tok->len = len;
		return TOKEN_IMPORTED;
	}
	/*
	 * The checksum is a function of the text the caller holds, so it
	 * tells an attacker nothing new: a plain comparison is fine here.
	 * Six digits name one number, so comparing numbers is comparing text.
	 */
	crc_bytes(text, len - TOKEN_CHECKSUM_CHARS, crc);
	if (b62_decode(text + len - TOKEN_CHECKSUM_CHARS, TOKEN_CHECKSUM_CHARS,
	    sum, sizeof(sum)) != 0 || memcmp(sum, crc, sizeof(crc)) != 0)
		return ATK_ERR_CHECKSUM;
	memcpy(tok->prefix, text, plen);
	tok->prefix[plen] = '\0';
	at = plen + 1;
	/* A good checksum over digits too large for 128/256 bits: no token. */
	if (b62_decode(text + at, TOKEN_ID_CHARS, tok->id,
	    sizeof(tok->id)) != 0)
		goto bad;
	at += TOKEN_ID_CHARS + 1;
	if (b62_decode(text + at, TOKEN_SECRET_CHARS, tok->secret,
	    sizeof(tok->secret)) != 0)
		goto bad;
	tok->kind = TOKEN_NATIVE;
	tok->text = text;
	tok->len = len;
	return TOKEN_NATIVE;
 bad:
	token_clear(tok);
	return ATK_ERR_SYNTAX;
}

void
token_clear(struct token *tok)
{
	if (tok != NULL)
		explicit_bzero(tok, sizeof(*tok));
}

void
token_id_format(const unsigned char *id, char *out)
{
	b62_encode(id, TOKEN_ID_BYTES, out, TOKEN_ID_CHARS);
}

int
token_id_parse(const char *text, unsigned char *id)
{
	memset(id, 0, TOKEN_ID_BYTES);
	if (text == NULL || strnlen(text, TOKEN_ID_BUFSZ) != TOKEN_ID_CHARS ||
	    !all_base62(text, TOKEN_ID_CHARS))
		return ATK_ERR_SYNTAX;
	if (b62_decode(text, TOKEN_ID_CHARS, id, TOKEN_ID_BYTES) != 0) {
		memset(id, 0, TOKEN_ID_BYTES);
		return ATK_ERR_SYNTAX;
	}
	return 0;
}
