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

/* The six checksum characters of the len bytes of text; out has 7 bytes. */
static int
checksum_text(const char *text, size_t len, char *out)
{
	unsigned char be[TOKEN_CRC_BYTES];
	uint32_t crc;

	crc = crc32_buf(text, len);
	be[0] = (unsigned char)(crc >> 24);
	be[1] = (unsigned char)(crc >> 16);
	be[2] = (unsigned char)(crc >> 8);
	be[3] = (unsigned char)crc;
	return base62_encode(be, sizeof(be), out, TOKEN_CHECKSUM_BUFSZ);
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
	if ((r = base62_encode(tok->secret, sizeof(tok->secret), secret,
	    sizeof(secret))) != 0)
		goto out;
	memcpy(buf + plen + 2 + TOKEN_ID_CHARS, secret, TOKEN_SECRET_CHARS);
	if ((r = checksum_text(buf, n - TOKEN_CHECKSUM_CHARS, sum)) != 0)
		goto out;
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
	size_t i;

	for (i = 0; i < n; i++)
		if (!base62_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
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

int
token_parse(const char *text, size_t len, struct token *tok)
{
	char sum[TOKEN_CHECKSUM_BUFSZ];
	size_t i, plen, at;
	int r;

	memset(tok, 0, sizeof(*tok));
	if (text == NULL)
		return ATK_ERR_INVAL;
	if (len > TOKEN_MAX_LEN)
		return ATK_ERR_TOOLONG;
	for (i = 0; i < len; i++)
		if (!token_char((unsigned char)text[i]))
			return ATK_ERR_SYNTAX;
	if ((plen = native_shape(text, len)) == 0) {
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
	 */
	if ((r = checksum_text(text, len - TOKEN_CHECKSUM_CHARS, sum)) != 0)
		return r;
	if (memcmp(sum, text + len - TOKEN_CHECKSUM_CHARS,
	    TOKEN_CHECKSUM_CHARS) != 0)
		return ATK_ERR_CHECKSUM;
	memcpy(tok->prefix, text, plen);
	tok->prefix[plen] = '\0';
	at = plen + 1;
	/* A good checksum over digits too large for 128/256 bits: no token. */
	if (base62_decode(text + at, TOKEN_ID_CHARS, tok->id,
	    sizeof(tok->id)) != 0)
		goto bad;
	at += TOKEN_ID_CHARS + 1;
	if (base62_decode(text + at, TOKEN_SECRET_CHARS, tok->secret,
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
	/* Cannot fail: the sizes are fixed and right. */
	(void)base62_encode(id, TOKEN_ID_BYTES, out, TOKEN_ID_BUFSZ);
}

int
token_id_parse(const char *text, unsigned char *id)
{
	memset(id, 0, TOKEN_ID_BYTES);
	if (text == NULL || strnlen(text, TOKEN_ID_BUFSZ) != TOKEN_ID_CHARS ||
	    !all_base62(text, TOKEN_ID_CHARS))
		return ATK_ERR_SYNTAX;
	if (base62_decode(text, TOKEN_ID_CHARS, id, TOKEN_ID_BYTES) != 0)
		return ATK_ERR_SYNTAX;
	return 0;
}
