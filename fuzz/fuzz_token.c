/*
 * Token text (lib/token.h).  token_parse() sorts every text the way a
 * plain reference of SPEC section 3 does: too long, bad characters, the
 * native shape (then a good or bad checksum), the start of a native token
 * (a checksum error), or imported.  A parsed
 * native token re-formats to itself from its prefix, id and secret; a bad
 * checksum, once put right, parses; an id re-formats to its text; a token
 * regenerated for the parsed id parses back to that id.
 * Input: the token text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base62.h"
#include "crc32.h"
#include "error.h"
#include "fuzz.h"
#include "token.h"

#define SEP		'_'
#define CRC_BYTES	4
#define TAIL_CHARS	(1 + TOKEN_ID_CHARS + 1 + TOKEN_SECRET_CHARS + \
	TOKEN_CHECKSUM_CHARS)

static int
all_base62(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!base62_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The prefix length of a text of the native shape, else 0. */
static size_t
native_shape(const char *t, size_t len)
{
	size_t p, i;

	if (len < TAIL_CHARS + 1)
		return 0;
	p = len - TAIL_CHARS;
	if (p > TOKEN_PREFIX_MAX || t[0] < 'a' || t[0] > 'z')
		return 0;
	for (i = 1; i < p; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= '0' && t[i] <= '9')))
			return 0;
	if (t[p] != SEP || t[p + 1 + TOKEN_ID_CHARS] != SEP ||
	    !all_base62(t + p + 1, TOKEN_ID_CHARS) ||
	    !all_base62(t + p + 2 + TOKEN_ID_CHARS,
	    TOKEN_SECRET_CHARS + TOKEN_CHECKSUM_CHARS))
		return 0;
	return p;
}

/*
 * 1 if the text starts like a native token: a prefix, '_', 22 digits, '_'
 * (token.h: then it is a native token or a damaged one, never imported).
 */
static int
native_head(const char *t, size_t len)
{
	size_t p;

	for (p = 0; p < len && p <= TOKEN_PREFIX_MAX && t[p] != SEP; p++)
		if (!((t[p] >= 'a' && t[p] <= 'z') ||
		    (p > 0 && t[p] >= '0' && t[p] <= '9')))
			return 0;
	return p > 0 && p <= TOKEN_PREFIX_MAX &&
	    len >= p + 2 + TOKEN_ID_CHARS && t[p] == SEP &&
	    all_base62(t + p + 1, TOKEN_ID_CHARS) &&
	    t[p + 1 + TOKEN_ID_CHARS] == SEP;
}

/* The checksum characters of the len bytes of text. */
static void
checksum(const char *text, size_t len, char *out)
{
	unsigned char be[CRC_BYTES];
	uint32_t crc = crc32_buf(text, len);

	be[0] = (unsigned char)(crc >> 24);
	be[1] = (unsigned char)(crc >> 16);
	be[2] = (unsigned char)(crc >> 8);
	be[3] = (unsigned char)crc;
	FUZZ_CHECK(base62_encode(be, sizeof(be), out,
	    TOKEN_CHECKSUM_CHARS + 1) == 0);
}

/* prefix "_" id "_" secret checksum, as SPEC section 3 spells it. */
static size_t
format(const struct token *tok, char *buf)
{
	size_t n = strlen(tok->prefix);

	memcpy(buf, tok->prefix, n);
	buf[n++] = SEP;
	token_id_format(tok->id, buf + n);
	n += TOKEN_ID_CHARS;
	buf[n++] = SEP;
	FUZZ_CHECK(base62_encode(tok->secret, sizeof(tok->secret), buf + n,
	    TOKEN_SECRET_CHARS + 1) == 0);
	n += TOKEN_SECRET_CHARS;
	checksum(buf, n, buf + n);
	n += TOKEN_CHECKSUM_CHARS;
	buf[n] = '\0';
	return n;
}

static void
check_native(const char *text, size_t len, const struct token *tok)
{
	char buf[TOKEN_NATIVE_BUFSZ], idtext[TOKEN_ID_BUFSZ];
	unsigned char id[TOKEN_ID_BYTES];
	struct token t2;

	FUZZ_CHECK(tok->kind == TOKEN_NATIVE);
	FUZZ_CHECK(tok->text == text && tok->len == len);
	FUZZ_CHECK(token_prefix_valid(tok->prefix));
	FUZZ_CHECK(format(tok, buf) == len && memcmp(buf, text, len) == 0);
	token_id_format(tok->id, idtext);
	FUZZ_CHECK(token_id_parse(idtext, id) == 0 &&
	    memcmp(id, tok->id, sizeof(id)) == 0);
	FUZZ_CHECK(token_regenerate(tok->prefix, tok->id, &t2, buf,
	    sizeof(buf)) == 0);
	FUZZ_CHECK(t2.kind == TOKEN_NATIVE && strlen(buf) == len);
	FUZZ_CHECK(token_parse(buf, len, &t2) == TOKEN_NATIVE);
	FUZZ_CHECK(memcmp(t2.id, tok->id, sizeof(t2.id)) == 0 &&
	    strcmp(t2.prefix, tok->prefix) == 0);
	token_clear(&t2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token tok;
	char *text, *fixed;
	size_t i, plen;
	int r, printable = 1;

	/* An exact copy, not NUL-terminated: a read past it is caught. */
	text = fuzz_malloc(size);
	memcpy(text, data, size);
	for (i = 0; i < size; i++)
		if (data[i] < 0x20 || data[i] >= 0x7f)
			printable = 0;
	plen = printable ? native_shape(text, size) : 0;
	r = token_parse(text, size, &tok);
	if (size > TOKEN_MAX_LEN)
		FUZZ_CHECK(r == ATK_ERR_TOOLONG);
	else if (!printable)
		FUZZ_CHECK(r == ATK_ERR_SYNTAX);
	else if (plen == 0 && native_head(text, size))
		FUZZ_CHECK(r == ATK_ERR_CHECKSUM);
	else if (plen == 0) {
		FUZZ_CHECK(r == (size >= TOKEN_IMPORT_MIN ? TOKEN_IMPORTED :
		    ATK_ERR_SYNTAX));
		if (r == TOKEN_IMPORTED)
			FUZZ_CHECK(tok.kind == TOKEN_IMPORTED &&
			    tok.text == text && tok.len == size);
	} else
		FUZZ_CHECK(r == TOKEN_NATIVE || r == ATK_ERR_CHECKSUM ||
		    r == ATK_ERR_SYNTAX);
	if (r == TOKEN_NATIVE)
		check_native(text, size, &tok);
	else if (r == ATK_ERR_CHECKSUM && plen != 0) {
		/* Put the checksum right: a token, or digits too large. */
		fixed = fuzz_malloc(size + 1);
		memcpy(fixed, text, size);
		checksum(fixed, size - TOKEN_CHECKSUM_CHARS,
		    fixed + size - TOKEN_CHECKSUM_CHARS);
		r = token_parse(fixed, size, &tok);
		FUZZ_CHECK(r == TOKEN_NATIVE || r == ATK_ERR_SYNTAX);
		if (r == TOKEN_NATIVE)
			check_native(fixed, size, &tok);
		free(fixed);
	}
	if (r < 0) {
		/* Nothing of a refused text is left behind. */
		for (i = 0; i < sizeof(tok.secret); i++)
			FUZZ_CHECK(tok.secret[i] == 0);
	}
	token_clear(&tok);
	free(text);
	return 0;
}
